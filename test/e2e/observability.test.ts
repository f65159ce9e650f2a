import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/test-browser.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';

/** /healthz, /readyz and Prometheus /metrics. */
for (const dialect of await dialectCases()) {
  describe.skipIf(!dialect.available)(`observability on ${dialect.name}`, () => {
    let gh: RunningGatehouse;
    beforeAll(async () => {
      gh = await startGatehouse(dialect);
    });
    afterAll(async () => {
      await gh?.close();
    });

    it('is ready when the database answers with the current schema', async () => {
      expect((await fetch(`${gh.base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${gh.base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    });

    it("ties a refusal's reference id to the request's log lines, and never takes an id from the client", async () => {
      const res = await fetch(`${gh.base}/cdn-cgi/access/sso/saml/${'0'.repeat(64)}`, { headers: { 'request-id': 'chosen-by-client' } });
      expect(res.status).toBe(404);
      const ray = res.headers.get('x-gatehouse-ray-id')!;
      expect(ray).toMatch(/^[0-9a-f]{16}$/);
      expect(await res.text()).toContain(ray);
      expect(gh.logs.find((l) => l.event === 'auth.failure' && l.ray_id === ray)).toMatchObject({ request_id: ray, code: 'APP_NOT_FOUND' });
      expect(JSON.stringify(gh.logs)).not.toContain('chosen-by-client');
    });

    it('counts sign-ins by result and app, and times SSO and upstream answers', async () => {
      // A failed callback and a denied One-time PIN sign-on, so both results show up.
      await new TestBrowser().get(`${gh.base}/cdn-cgi/access/callback?state=${'x'.repeat(43)}&code=abc`);
      const idp = await gh.api('/identity_providers', { body: { name: 'PIN', type: 'onetimepin', config: {} } });
      const app = await gh.api('/apps', {
        body: {
          type: 'saas',
          name: 'Wiki',
          allowed_idps: [idp.body.result.id],
          auto_redirect_to_identity: true,
          saas_app: { auth_type: 'saml', sp_entity_id: 'https://wiki.example.test/sp', consumer_service_url: 'https://wiki.example.test/acs', name_id_format: 'email' },
          policies: [{ name: 'Nobody', decision: 'allow', include: [{ email: { email: 'nobody@example.com' } }] }],
        },
      });
      const browser = new TestBrowser();
      const page = await browser.follow(await browser.get(app.body.result.saas_app.sso_endpoint));
      const before = gh.logs.length;
      const codePage = await browser.submitForm(page.url, await page.text(), { email: 'bob@example.com' });
      const code = /is (\d{6})\./.exec(String(gh.logs.slice(before).find((l) => l.event === 'mail.development_log')?.text))![1]!;
      const form = browser.formFields(await codePage.text());
      expect((await browser.follow(await browser.post(form.action, { ...form.fields, code }))).status).toBe(403);

      const text = await (await fetch(`${gh.base}/metrics`)).text();
      expect(text).toMatch(/gatehouse_sign_ins_total\{result="failed",app=""\} 1/);
      expect(text).toMatch(/gatehouse_sign_ins_total\{result="denied",app="Wiki"\} 1/);
      expect(text).toMatch(/gatehouse_policy_denials_total\{app="Wiki"\} 1/);
      expect(text).toMatch(/gatehouse_sso_duration_seconds_count\{outcome="sign-in"\} 1/);
      expect(text).toMatch(/gatehouse_upstream_duration_seconds_count\{type="onetimepin",outcome="ok"\} 1/);
      expect(text).toContain('gatehouse_process_resident_memory_bytes');
      if (dialect.name === 'postgres') expect(text).toMatch(/gatehouse_db_pool_connections\{state="total"\} \d+/);
    });
  });
}

describe('metrics access', () => {
  it('with GATEHOUSE_METRICS_TOKEN, /metrics needs that bearer token', async () => {
    const [sqlite] = await dialectCases();
    const gh = await startGatehouse(sqlite!, { env: { GATEHOUSE_METRICS_TOKEN: 'metrics-token-0123456789' } });
    try {
      expect((await fetch(`${gh.base}/metrics`)).status).toBe(401);
      expect((await fetch(`${gh.base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await fetch(`${gh.base}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).status).toBe(200);
    } finally {
      await gh.close();
    }
  });

  it('is not ready while the database is gone', async () => {
    const [sqlite] = await dialectCases();
    const gh = await startGatehouse(sqlite!);
    try {
      await gh.db.opened.db.destroy();
      const res = await fetch(`${gh.base}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'database-unreachable' });
    } finally {
      await gh.built.http.close();
    }
  });
});
