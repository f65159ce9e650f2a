import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/test-browser.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';

/** Cloudflare's organizations API: team name, auth domain, global session duration, login page design. */
for (const dialect of await dialectCases()) {
  describe.skipIf(!dialect.available)(`organizations on ${dialect.name}`, () => {
    let gh: RunningGatehouse;
    beforeAll(async () => {
      gh = await startGatehouse(dialect);
    });
    afterAll(async () => {
      await gh?.close();
    });

    it('answers the defaults, updates the fields given, and refuses bad values field by field', async () => {
      const initial = await gh.api('/organizations');
      expect(initial.body.result).toMatchObject({ name: 'Gatehouse', auth_domain: new URL(gh.base).host, session_duration: '24h', login_design: {} });
      const updated = await gh.api('/organizations', {
        method: 'PUT',
        body: { name: 'Example Corp', session_duration: '8h', login_design: { background_color: '#0b3d91', text_color: '#ffffff', header_text: 'Example Corp sign-in', footer_text: 'Need help? it@example.com' } },
      });
      expect(updated.status, JSON.stringify(updated.body)).toBe(200);
      expect((await gh.api('/organizations')).body.result).toMatchObject({ name: 'Example Corp', session_duration: '8h', login_design: { background_color: '#0b3d91', header_text: 'Example Corp sign-in' } });
      const bad = await gh.api('/organizations', { method: 'PUT', body: { session_duration: 'forever', login_design: { background_color: 'red; background:url(x)' }, auth_domain: 'evil.example' } });
      expect(bad.status).toBe(400);
      const pointers = bad.body.errors.map((e: { source?: { pointer: string } }) => e.source?.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/session_duration', '/login_design/background_color']));
      expect((await gh.api('/organizations')).body.result.session_duration).toBe('8h');
    });

    it('works through the official Cloudflare SDK', async () => {
      const cf = new Cloudflare({ apiToken: gh.token, baseURL: `${gh.base}/client/v4`, maxRetries: 0 });
      const org = await cf.zeroTrust.organizations.update({ account_id: gh.accountId, name: 'Via SDK', session_duration: '12h' });
      expect(org).toMatchObject({ name: 'Via SDK', session_duration: '12h' });
      const listed = await cf.zeroTrust.organizations.list({ account_id: gh.accountId });
      expect(listed).toMatchObject({ name: 'Via SDK' });
    });

    it('the login page shows the design, and a new session lasts the global session_duration', async () => {
      await gh.api('/organizations', { method: 'PUT', body: { session_duration: '2h', login_design: { background_color: '#0b3d91', header_text: 'Example Corp sign-in', footer_text: 'Need help?' } } });
      const idp = await gh.api('/identity_providers', { body: { name: 'One-time PIN', type: 'onetimepin', config: {} } });
      const browser = new TestBrowser();
      const login = await (await browser.get(`${gh.base}/cdn-cgi/access/login`)).text();
      expect(login).toContain('Example Corp sign-in');
      expect(login).toContain('Need help?');
      const css = await (await browser.get(`${gh.base}/cdn-cgi/access/assets/login-design.css`)).text();
      expect(css).toContain('background-color:#0b3d91');
      const otp = await browser.follow(await browser.get(`${gh.base}/cdn-cgi/access/login/${idp.body.result.id}`));
      const before = gh.logs.length;
      const codePage = await browser.submitForm(otp.url, await otp.text(), { email: 'someone@example.com' });
      const code = /is (\d{6})\./.exec(String(gh.logs.slice(before).find((l) => l.event === 'mail.development_log')?.text))![1]!;
      const form = browser.formFields(await codePage.text());
      const toCallback = await browser.post(form.action, { ...form.fields, code });
      const callback = await browser.get(new URL(toCallback.headers.get('location')!, gh.base).toString());
      expect(callback.status).toBe(302);
      const cookie = callback.headers.get('set-cookie') ?? '';
      const maxAge = Number(/CF_Authorization=[^;]*;.*?Max-Age=(\d+)/i.exec(cookie)?.[1]);
      expect(maxAge).toBe(2 * 3600);
    });
  });
}
