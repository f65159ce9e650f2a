import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { TestBrowser } from '../helpers/test-browser.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { cognitoSeedBody, type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';

/**
 * Issue 4 end to end with the real OpenID Provider: policies with groups, claims, country and session_duration
 * decide who reaches which SAML app; the App Launcher shows exactly the apps a user may open; every decision is
 * in the authentication log with its reasons, under the reference id the user saw.
 */
const cases = await dialectCases();

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`Access policies end to end on ${dialect.name}`, () => {
    let gh: RunningGatehouse;
    let op: OidcPeer;
    let clock: ManualClock;
    let idpId: string;
    const apps: Record<string, any> = {};

    const createApp = async (name: string, policies: unknown[]) => {
      const res = await gh.api('/apps', {
        body: {
          type: 'saas',
          name,
          allowed_idps: [idpId],
          auto_redirect_to_identity: true,
          app_launcher_visible: true,
          saas_app: { auth_type: 'saml', sp_entity_id: `https://${name.toLowerCase()}.example.test/sp`, consumer_service_url: `https://${name.toLowerCase()}.example.test/acs`, name_id_format: 'email' },
          policies,
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      apps[name] = res.body.result;
    };

    beforeAll(async () => {
      clock = new ManualClock(Date.now());
      // The test client is the trusted proxy (loopback), so it can state the client's country like nginx would.
      gh = await startGatehouse(dialect, { clock, env: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1,::1' } });
      op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });
      const body = cognitoSeedBody(op);
      idpId = (await gh.api('/identity_providers', { body: body })).body.result.id;
      const contractors = await gh.api('/groups', { body: { name: 'Contractors', include: [{ email: { email: 'bob@example.com' } }] } });
      expect(contractors.status, JSON.stringify(contractors.body)).toBe(200);
      await createApp('AWS', [
        { name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }], exclude: [{ group: { id: contractors.body.result.id } }], session_duration: '1h' },
      ]);
      await createApp('Finance', [
        { name: 'Admins in the US', decision: 'allow', include: [{ oidc: { claim_name: 'cognito:groups', claim_value: 'admins', identity_provider_id: idpId } }], require: [{ geo: { country_code: 'US' } }] },
      ]);
      await createApp('Payroll', [{ name: 'Carol only', decision: 'allow', include: [{ email: { email: 'carol@example.org' } }] }]);
    });

    afterAll(async () => {
      await op?.close();
      await gh?.close();
    });

    /** IdP-initiated SSO to an app (as from its launcher tile), signing in at the OP when there is no session. */
    const openApp = async (browser: TestBrowser, name: string, user?: string, headers: Record<string, string> = {}) => {
      let res = await browser.get(apps[name].saas_app.sso_endpoint, headers);
      if (user) {
        res = await browser.followToHost(res, new URL(op.issuer).host);
        res = await op.completeLogin(browser, res, { username: user, password: `${user.split('@')[0]}-pw` });
        res = await browser.follow(res);
      }
      return res;
    };

    const logFor = async (rayId: string) => {
      const logs = await gh.api('/logs/access_requests?limit=1000');
      expect(logs.status).toBe(200);
      return (logs.body.result as any[]).find((l) => l.ray_id === rayId);
    };

    it('lets alice into AWS and records the allowing policy and its reasons', async () => {
      const browser = new TestBrowser();
      const res = await openApp(browser, 'AWS', 'alice@example.com');
      expect(res.status).toBe(200);
      expect(browser.formFields(await res.text()).action).toBe(apps.AWS.saas_app.consumer_service_url);
      const logs = await gh.api('/logs/access_requests?email=alice@example.com&email_exact=true');
      const entry = logs.body.result[0];
      expect(entry).toMatchObject({ user_email: 'alice@example.com', app_uid: apps.AWS.id, allowed: true, action: 'login', connection: 'oidc', decision: 'allow', policy_name: 'Employees', ip_address: '127.0.0.1' });
      expect(entry.reasons).toContain('email_domain-ok');
      expect(entry.app_domain).toContain('/cdn-cgi/access/sso/saml/');
    });

    it('keeps bob (a contractor, by Access group) out of AWS: the page and the log share one reference id', async () => {
      const browser = new TestBrowser();
      const res = await openApp(browser, 'AWS', 'bob@example.com');
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie') ?? '').not.toContain('CF_Authorization=');
      const rayId = res.headers.get('x-gatehouse-ray-id')!;
      expect(await res.text()).toContain(rayId);
      const entry = await logFor(rayId);
      expect(entry).toMatchObject({ user_email: 'bob@example.com', allowed: false, app_uid: apps.AWS.id, error_code: 'ACCESS_DENIED' });
      expect(entry.reasons).toEqual(expect.arrayContaining(['excluded-group-ok']));
    });

    it('evaluates on every SSO with a live session: country from the trusted proxy decides Finance', async () => {
      const browser = new TestBrowser();
      await openApp(browser, 'AWS', 'alice@example.com');
      const fromGermany = await openApp(browser, 'Finance', undefined, { 'cf-ipcountry': 'DE' });
      expect(fromGermany.status).toBe(403);
      const entry = await logFor(fromGermany.headers.get('x-gatehouse-ray-id')!);
      expect(entry).toMatchObject({ allowed: false, country: 'DE' });
      expect(entry.reasons).toContain('geo-unauthorized');
      const fromUs = await openApp(browser, 'Finance', undefined, { 'cf-ipcountry': 'US' });
      expect(fromUs.status).toBe(200);
      const logs = await gh.api('/logs/access_requests?email=alice&direction=desc&limit=1');
      expect(logs.body.result[0]).toMatchObject({ action: 'sso', allowed: true, app_uid: apps.Finance.id, country: 'US', policy_name: 'Admins in the US' });
    });

    it('shows each user only the apps their policies allow in the App Launcher', async () => {
      const alice = new TestBrowser();
      await openApp(alice, 'AWS', 'alice@example.com');
      const tiles = async (b: TestBrowser, headers: Record<string, string> = {}) => [...(await (await b.get(`${gh.base}/`, headers)).text()).matchAll(/<li><a class="tile"[^>]*>.*?<span class="tile-name">([^<]+)<\/span><\/a><\/li>/g)].map((m) => m[1]);
      expect(await tiles(alice, { 'cf-ipcountry': 'US' })).toEqual(['AWS', 'Finance']);
      expect(await tiles(alice, { 'cf-ipcountry': 'FR' })).toEqual(['AWS']);
      const carol = new TestBrowser();
      let res = await carol.get(`${gh.base}/cdn-cgi/access/login/${idpId}`);
      res = await carol.followToHost(res, new URL(op.issuer).host);
      res = await op.completeLogin(carol, res, { username: 'carol@example.org', password: 'carol-pw' });
      await carol.follow(res);
      expect(await tiles(carol)).toEqual(['Payroll']);
    });

    it("sends the user to sign in again once the session is older than the policy's session_duration", async () => {
      const browser = new TestBrowser();
      await openApp(browser, 'AWS', 'alice@example.com');
      expect((await openApp(browser, 'AWS')).status).toBe(200);
      clock.advance(61 * 60_000);
      const again = await openApp(browser, 'AWS');
      expect(again.status).toBe(302);
      // Straight to the app's only login method (auto_redirect_to_identity), as for a first sign-in.
      expect(new URL(again.headers.get('location')!).origin).toBe(new URL(op.issuer).origin);
      clock.advance(-61 * 60_000);
    });

    it('serves the log with since/until, direction and email filters, and records upstream failures', async () => {
      const bad = await new TestBrowser().get(`${gh.base}/cdn-cgi/access/callback?state=${'x'.repeat(43)}&code=abc`);
      expect(bad.status).toBe(400);
      const failure = await logFor(bad.headers.get('x-gatehouse-ray-id')!);
      expect(failure).toMatchObject({ allowed: false, error_code: 'CONNECTOR_STATE_INVALID', action: 'login', user_email: '' });
      const asc = (await gh.api('/logs/access_requests?direction=asc&limit=1000')).body.result as any[];
      const desc = (await gh.api('/logs/access_requests?direction=desc&limit=1000')).body.result as any[];
      expect(asc.length).toBeGreaterThan(4);
      expect(desc.map((l) => l.ray_id)).toEqual([...asc].reverse().map((l) => l.ray_id));
      const first = asc[0].created_at;
      const future = new Date(Date.parse(first) + 365 * 86400_000).toISOString();
      expect((await gh.api(`/logs/access_requests?since=${encodeURIComponent(future)}`)).body.result).toEqual([]);
      expect((await gh.api(`/logs/access_requests?until=${encodeURIComponent(first)}&direction=asc`)).body.result[0].ray_id).toBe(asc[0].ray_id);
      const bobOnly = (await gh.api('/logs/access_requests?email=bob@example.com&email_exact=true')).body.result as any[];
      expect(bobOnly.length).toBeGreaterThan(0);
      expect(bobOnly.every((l) => l.user_email === 'bob@example.com')).toBe(true);
      expect((await gh.api('/logs/access_requests?since=yesterday')).status).toBe(400);
    });
  });
}

describe('connection facts come only from trusted proxies', () => {
  it('ignores CF-IPCountry from a peer that is not a configured proxy', async () => {
    const [sqlite] = await dialectCases();
    const gh = await startGatehouse(sqlite!);
    const op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });
    try {
      const body = cognitoSeedBody(op);
      const idpId = (await gh.api('/identity_providers', { body: body })).body.result.id;
      const app = (
        await gh.api('/apps', {
          body: {
            type: 'saas',
            name: 'US only',
            allowed_idps: [idpId],
            auto_redirect_to_identity: true,
            saas_app: { auth_type: 'saml', sp_entity_id: 'https://us.example.test/sp', consumer_service_url: 'https://us.example.test/acs', name_id_format: 'email' },
            policies: [{ name: 'US', decision: 'allow', include: [{ geo: { country_code: 'US' } }] }],
          },
        })
      ).body.result;
      const browser = new TestBrowser();
      let res = await browser.get(app.saas_app.sso_endpoint, { 'cf-ipcountry': 'US' });
      res = await browser.followToHost(res, new URL(op.issuer).host);
      res = await op.completeLogin(browser, res, { username: 'alice@example.com', password: 'alice-pw' });
      res = await browser.follow(res);
      expect(res.status).toBe(403);
      const logs = (await gh.api('/logs/access_requests')).body.result as any[];
      expect(logs[0]).toMatchObject({ allowed: false, country: '' });
    } finally {
      await op.close();
      await gh.close();
    }
  });
});
