import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/setup/first-run.js';
import { TestBrowser } from '../helpers/test-browser.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';

/**
 * The first run (a one-time setup link names the administrators), the built-in One-time PIN as the first login
 * method, and the dashboard protected by the administrators' policy, with CSRF-checked forms.
 */
const [sqlite] = await dialectCases();

describe('first run and the dashboard', () => {
  let gh: RunningGatehouse;
  let token: string;

  beforeAll(async () => {
    gh = await startGatehouse(sqlite!);
    token = (await issueSetupToken(gh.db.store, new Date()))!;
  });
  afterAll(async () => {
    await gh?.close();
  });

  /** Signs `email` in through the One-time PIN (development mailer: the code is in the log) and lands on `next`. */
  const signIn = async (email: string) => {
    const browser = new TestBrowser();
    let res = await browser.get(`${gh.base}/dashboard`);
    expect(res.status).toBe(302);
    res = await browser.follow(res);
    const loginHtml = await res.text();
    const link = /href="([^"]*\/cdn-cgi\/access\/login\/[^"]+)"/.exec(loginHtml)![1]!.replaceAll('&amp;', '&');
    expect(link).toContain('next=dashboard');
    const otpPage = await browser.follow(await browser.get(new URL(link, gh.base).toString()));
    const before = gh.logs.length;
    const codePage = await browser.submitForm(otpPage.url, await otpPage.text(), { email });
    const line = gh.logs.slice(before).find((l) => l.event === 'mail.development_log');
    const code = /is (\d{6})\./.exec(String(line?.text))![1]!;
    const form = browser.formFields(await codePage.text());
    const landed = await browser.follow(await browser.post(form.action, { ...form.fields, code }));
    return { browser, landed };
  };

  it('the setup link names the first administrators once, and creates the One-time PIN login method', async () => {
    const browser = new TestBrowser();
    const page = await browser.get(`${gh.base}/cdn-cgi/access/setup?token=${token}`);
    expect(page.status).toBe(200);
    const done = await browser.submitForm(page.url, await page.text(), { emails: 'Admin@Example.com\nops@example.com' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('admin@example.com, ops@example.com');
    expect((await browser.get(`${gh.base}/cdn-cgi/access/setup?token=${token}`)).status).toBe(400);
    const idps = (await gh.api('/identity_providers')).body.result as any[];
    expect(idps.map((i) => i.type)).toEqual(['onetimepin']);
    const policies = (await gh.api('/policies')).body.result as any[];
    const admins = policies.find((p) => p.name === 'Gatehouse administrators');
    expect(admins?.include).toHaveLength(2);
    // Deleting the administrators' policy would lock everyone out of the dashboard for good: refused, kept.
    const removal = await gh.api(`/policies/${admins.id}`, { method: 'DELETE' });
    expect(removal.status).toBe(409);
    expect(removal.body.errors[0].message).toContain("names the dashboard's administrators");
    expect((await gh.api(`/policies/${admins.id}`)).status).toBe(200);
  });

  it('an administrator signs in with a One-time PIN and lands in the dashboard', async () => {
    const { landed } = await signIn('admin@example.com');
    expect(new URL(landed.url).pathname).toBe('/dashboard/applications');
    expect(await landed.text()).toContain('Signed in as <strong>admin@example.com</strong>');
  });

  it('anyone else is refused with a reference id that is in the log', async () => {
    const { landed } = await signIn('mallory@example.com');
    expect(landed.status).toBe(403);
    const ray = landed.headers.get('x-gatehouse-ray-id');
    const entry = ((await gh.api('/logs/access_requests?email=mallory@example.com&email_exact=true')).body.result as any[])[0];
    expect(entry).toMatchObject({ allowed: false, app_name: 'Gatehouse dashboard', ray_id: ray });
  });

  it('creates an API token shown once, which works until it is revoked; forms need the CSRF token and the same origin', async () => {
    const { browser } = await signIn('ops@example.com');
    const tokensPage = await browser.get(`${gh.base}/dashboard/tokens`);
    const html = await tokensPage.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    expect((await browser.post(`${gh.base}/dashboard/tokens`, { name: 'ci' })).status).toBe(403);
    expect((await browser.post(`${gh.base}/dashboard/tokens`, { name: 'ci', csrf: `${csrf.slice(0, -2)}xx` })).status).toBe(403);
    expect((await browser.post(`${gh.base}/dashboard/tokens`, { name: 'ci', csrf }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await browser.post(`${gh.base}/dashboard/tokens`, { name: 'ci', csrf }, { 'sec-fetch-site': 'cross-site', origin: 'null' })).status).toBe(403);
    const created = await browser.post(`${gh.base}/dashboard/tokens`, { name: 'ci', csrf });
    const createdHtml = await created.text();
    const apiToken = /id="new-token">(gh_[^<]+)</.exec(createdHtml)![1]!;
    const call = () => fetch(`${gh.base}/client/v4/accounts/${gh.accountId}/access/apps`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect((await call()).status).toBe(200);
    expect(await (await browser.get(`${gh.base}/dashboard/tokens`)).text()).not.toContain(apiToken);
    const revokeAction = /action="(\/dashboard\/tokens\/[^"]+\/revoke)"><input type="hidden" name="csrf" value="[^"]+"><button type="submit" class="secondary">Revoke ci</.exec(createdHtml)![1]!;
    expect((await browser.post(`${gh.base}${revokeAction}`, { csrf })).status).toBe(303);
    expect((await call()).status).toBe(401);
  });

  it('Settings › Authentication has a Test button per login method that starts a Test', async () => {
    const { browser } = await signIn('admin@example.com');
    const page = await (await browser.get(`${gh.base}/dashboard/authentication`)).text();
    const action = /action="(\/dashboard\/authentication\/[^"]+\/test)"/.exec(page)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await browser.post(`${gh.base}${action}`, { csrf });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).pathname).toMatch(/^\/cdn-cgi\/access\/test\//);
  });

  it('Settings: team name, session duration and login design, with errors next to their fields', async () => {
    const { browser } = await signIn('admin@example.com');
    const page = await (await browser.get(`${gh.base}/dashboard/settings`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const bad = await browser.post(`${gh.base}/dashboard/settings`, { csrf, name: 'Example Corp', session_duration: 'forever', background_color: 'red', text_color: '', logo_path: '', header_text: 'Welcome to Example Corp', footer_text: '' });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toMatch(/id="session_duration"[^>]*aria-invalid="true"/);
    expect(badHtml).toContain('id="background_color-error"');
    expect(badHtml).toContain('value="Welcome to Example Corp"');
    const ok = await browser.post(`${gh.base}/dashboard/settings`, { csrf, name: 'Example Corp', session_duration: '8h', background_color: '#0b3d91', text_color: '', logo_path: '', header_text: 'Welcome to Example Corp', footer_text: '' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Settings saved.');
    expect((await gh.api('/organizations')).body.result).toMatchObject({ name: 'Example Corp', session_duration: '8h', login_design: { background_color: '#0b3d91', header_text: 'Welcome to Example Corp' } });
    expect(await (await new TestBrowser().get(`${gh.base}/cdn-cgi/access/login`)).text()).toContain('Welcome to Example Corp');
  });
});
