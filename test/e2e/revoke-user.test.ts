import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/test-browser.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { cognitoSeedBody, type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';

/**
 * Cloudflare's "revoke existing sessions" for a user (POST /access/organizations/revoke_user): every live session of
 * that user ends at once (sessions are checked against the shared store on each use), other users are untouched,
 * and the user can sign in again.
 */
for (const dialect of await dialectCases()) {
  describe.skipIf(!dialect.available)(`revoke_user on ${dialect.name}`, () => {
    let gh: RunningGatehouse;
    let op: OidcPeer;
    let app: any;

    beforeAll(async () => {
      gh = await startGatehouse(dialect);
      op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });
      const idpId = (await gh.api('/identity_providers', { body: cognitoSeedBody(op) })).body.result.id;
      const made = await gh.api('/apps', {
        body: {
          type: 'saas',
          name: 'AWS',
          allowed_idps: [idpId],
          auto_redirect_to_identity: true,
          saas_app: { auth_type: 'saml', sp_entity_id: 'https://aws.example.test/sp', consumer_service_url: 'https://aws.example.test/acs', name_id_format: 'email' },
          policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
        },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      app = made.body.result;
    });
    afterAll(async () => {
      await op?.close();
      await gh?.close();
    });

    const signIn = async (user: string) => {
      const browser = new TestBrowser();
      let res = await browser.get(app.saas_app.sso_endpoint);
      res = await browser.followToHost(res, new URL(op.issuer).host);
      res = await op.completeLogin(browser, res, { username: user, password: `${user.split('@')[0]}-pw` });
      res = await browser.follow(res);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('SAMLResponse');
      return browser;
    };
    const identityStatus = async (browser: TestBrowser) => (await browser.get(`${gh.base}/cdn-cgi/access/get-identity`)).status;

    it('ends every session of that user and only theirs, through the official SDK, and the user can sign in again', async () => {
      const aliceLaptop = await signIn('alice@example.com');
      const alicePhone = await signIn('alice@example.com');
      const bob = await signIn('bob@example.com');
      expect(await identityStatus(aliceLaptop)).toBe(200);
      expect(await identityStatus(alicePhone)).toBe(200);

      const cf = new Cloudflare({ apiToken: gh.token, baseURL: `${gh.base}/client/v4`, maxRetries: 0 });
      // Case does not matter: sign-in does not distinguish Alice@ from alice@ either.
      const result = await cf.zeroTrust.organizations.revokeUsers({ account_id: gh.accountId, email: 'Alice@Example.com' });
      expect(result).toBe(true);

      expect(await identityStatus(aliceLaptop)).toBe(401);
      expect(await identityStatus(alicePhone)).toBe(401);
      expect(await identityStatus(bob)).toBe(200);
      // Her old cookie no longer opens the app: the SSO endpoint sends her back through the login method (where her
      // upstream session, which Gatehouse does not own, may sign her in again) instead of answering with an assertion.
      const again = await aliceLaptop.get(app.saas_app.sso_endpoint);
      expect(again.status).toBe(302);
      const next = new URL(again.headers.get('location')!, gh.base);
      expect(next.host === new URL(op.issuer).host || next.pathname.startsWith('/cdn-cgi/access/')).toBe(true);
      expect(gh.logs.some((l) => l.event === 'sessions.revoked' && l.sessions === 2)).toBe(true);
      expect(await identityStatus(await signIn('alice@example.com'))).toBe(200);
    });

    it('refuses a body without a valid email, field by field, and revokes nothing', async () => {
      const bob = await signIn('bob@example.com');
      const bad = await gh.api('/organizations/revoke_user', { body: { email: 'not-an-email', extra: 1 } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { source?: { pointer: string } }) => e.source?.pointer)).toEqual(expect.arrayContaining(['/email']));
      expect(await identityStatus(bob)).toBe(200);
    });
  });
}
