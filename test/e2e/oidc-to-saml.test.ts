import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAML } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { TestBrowser } from '../helpers/test-browser.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { cognitoSeedBody, type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';

/**
 * The whole path with real peers over loopback HTTP: node-saml (playing AWS) → Gatehouse SSO endpoint → login page →
 * oidc-provider (playing Cognito) interactive login → callback → signed SAML response → node-saml validates it.
 */
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230000';
const ACS = 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/5f0c3c1e-aws-test';

const cases = await dialectCases();

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`OIDC upstream to SAML app, end to end, on ${dialect.name}`, () => {
    let gh: RunningGatehouse;
    let op: OidcPeer;
    let clock: ManualClock;
    let idpId: string;
    let app: any;
    let cert: string;
    const seenCodes: string[] = [];

    const sp = (overrides: Record<string, unknown> = {}) =>
      new SAML({
        entryPoint: app.saas_app.sso_endpoint,
        issuer: SP_ENTITY,
        callbackUrl: ACS,
        audience: SP_ENTITY,
        idpCert: cert,
        idpIssuer: app.saas_app.idp_entity_id,
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: true,
        validateInResponseTo: 'always' as never,
        signatureAlgorithm: 'sha256',
        acceptedClockSkewMs: 60_000,
        ...overrides,
      });

    /** Plays the user's browser from the SP's redirect to the page that posts to the ACS. */
    async function signIn(browser: TestBrowser, saml: SAML, user: { username: string; password: string }) {
      const authUrl = await saml.getAuthorizeUrlAsync('relay-123', undefined, {});
      let res = await browser.get(authUrl);
      res = await browser.followToHost(res, new URL(op.issuer).host);
      res = await op.completeLogin(browser, res, user);
      res = await browser.followToHost(res, new URL(gh.base).host, { stopAtHtml: true });
      return res;
    }

    beforeAll(async () => {
      clock = new ManualClock(Date.now());
      gh = await startGatehouse(dialect, { clock });
      op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });
      // The Cognito seed's example configuration, posted as it is, with only its placeholders filled in.
      const body = cognitoSeedBody(op);
      const created = await gh.api('/identity_providers', { body: body });
      expect(created.status).toBe(200);
      idpId = created.body.result.id;
      const made = await gh.api('/apps', {
        body: {
          type: 'saas',
          name: 'AWS',
          allowed_idps: [idpId],
          auto_redirect_to_identity: true,
          saas_app: {
            auth_type: 'saml',
            sp_entity_id: SP_ENTITY,
            consumer_service_url: ACS,
            name_id_format: 'email',
            custom_attributes: [{ name: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName', source: { name: 'cognito:username' } }],
          },
          policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }], exclude: [{ email: { email: 'bob@example.com' } }] }],
        },
      });
      expect(made.status).toBe(200);
      app = made.body.result;
      // The SP is configured from Gatehouse's metadata, as AWS is.
      const metadata = await (await fetch(`${app.saas_app.sso_endpoint}/saml-metadata`)).text();
      const doc = new DOMParser().parseFromString(metadata, 'text/xml');
      cert = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'X509Certificate')[0]!.textContent!.trim();
      expect(cert).toBe(app.saas_app.public_key);
    });

    afterAll(async () => {
      await op?.close();
      await gh?.close();
    });

    it('signs alice in: the SP gets a verified assertion with her email and attributes, and a live session skips the login', async () => {
      const browser = new TestBrowser();
      const saml = sp();
      const res = await signIn(browser, saml, { username: 'alice@example.com', password: 'alice-pw' });
      const form = browser.formFields(await res.text());
      expect(form.action).toBe(ACS);
      expect(form.fields.RelayState).toBe('relay-123');
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse!, RelayState: form.fields.RelayState! });
      expect(profile?.nameID).toBe('alice@example.com');
      expect(profile?.nameIDFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      expect(profile?.['email']).toBe('alice@example.com');
      expect(profile?.['groups']).toEqual(['admins', 'engineering']);
      expect(profile?.['https://aws.amazon.com/SAML/Attributes/RoleSessionName']).toBe('alice');

      // xmlsec1 verifies the response independently of any JavaScript library.
      const dir = mkdtempSync(join(tmpdir(), 'gh-e2e-'));
      writeFileSync(join(dir, 'r.xml'), Buffer.from(form.fields.SAMLResponse!, 'base64'));
      writeFileSync(join(dir, 'c.pem'), `-----BEGIN CERTIFICATE-----\n${cert}\n-----END CERTIFICATE-----\n`);
      const out = execFileSync('xmlsec1', ['--verify', '--pubkey-cert-pem', join(dir, 'c.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response', join(dir, 'r.xml')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out + '').toBeDefined();

      // The session is a Cloudflare-shaped identity.
      const identity = await browser.getJson(`${gh.base}/cdn-cgi/access/get-identity`);
      expect(identity.status).toBe(200);
      expect(identity.body).toMatchObject({ email: 'alice@example.com', idp: { id: idpId, type: 'oidc' }, account_id: gh.accountId });
      expect(identity.body.groups.map((g: { name: string }) => g.name)).toEqual(['admins', 'engineering']);
      expect(identity.body.oidc_fields['cognito:username']).toBe('alice');

      // A second SP-initiated request with the live session is answered at once, without the upstream.
      const again = sp();
      const url = await again.getAuthorizeUrlAsync('relay-2', undefined, {});
      const direct = await browser.get(url);
      expect(direct.status).toBe(200);
      const second = browser.formFields(await direct.text());
      const ok = await again.validatePostResponseAsync({ SAMLResponse: second.fields.SAMLResponse!, RelayState: 'relay-2' });
      expect(ok.profile?.nameID).toBe('alice@example.com');

      // Logout revokes the session server-side.
      await browser.get(`${gh.base}/cdn-cgi/access/logout`);
      expect((await browser.getJson(`${gh.base}/cdn-cgi/access/get-identity`)).status).toBe(401);
    });

    it('refuses a user the policy excludes: no assertion, no session cookie, a reference id for the admin', async () => {
      const browser = new TestBrowser();
      const res = await signIn(browser, sp(), { username: 'bob@example.com', password: 'bob-pw' });
      expect(res.status).toBe(403);
      const page = await res.text();
      expect(page).not.toContain('SAMLResponse');
      expect(browser.cookie(gh.base, 'CF_Authorization')).toBeUndefined();
      const ray = /id="ray-id">([0-9a-f]{16})</.exec(page)?.[1];
      expect(gh.logs.find((l) => l.ray_id === ray)).toMatchObject({ code: 'ACCESS_DENIED' });
    });

    it('refuses an AuthnRequest with an unregistered ACS URL or an unknown SP entity, and posts nothing', async () => {
      for (const [saml, code] of [
        [sp({ callbackUrl: 'https://evil.test/acs' }), 'APP_ACS_MISMATCH'],
        [sp({ issuer: 'https://unknown-sp.example/entity' }), 'APP_ISSUER_MISMATCH'],
      ] as const) {
        const browser = new TestBrowser();
        const res = await browser.get(await saml.getAuthorizeUrlAsync('', undefined, {}));
        expect(res.status).toBe(400);
        const page = await res.text();
        expect(page).not.toContain('SAMLResponse');
        expect(page).not.toContain('evil.test');
        const ray = /id="ray-id">([0-9a-f]{16})</.exec(page)?.[1];
        expect(gh.logs.find((l) => l.ray_id === ray)).toMatchObject({ code });
      }
      const unknown = await new TestBrowser().get(`${gh.base}/cdn-cgi/access/sso/saml/${'0'.repeat(64)}`);
      expect(unknown.status).toBe(404);
    });

    it('refuses an ID token signed by a key that is not at certs_url, without a session cookie', async () => {
      // Same provider and issuer, but the login method pins another key set: the real token must not verify.
      const forged = await gh.api('/identity_providers', {
        body: {
          name: 'Cognito with the wrong key set',
          type: 'oidc',
          config: { client_id: op.clientId, client_secret: op.clientSecret, auth_url: op.authUrl, token_url: op.tokenUrl, certs_url: op.foreignCertsUrl, issuer: op.issuer, scopes: ['openid', 'email', 'profile'] },
        },
      });
      expect(forged.status).toBe(200);
      const browser = new TestBrowser();
      let res = await browser.get(`${gh.base}/cdn-cgi/access/login/${forged.body.result.id}`);
      res = await browser.followToHost(res, new URL(op.issuer).host);
      res = await op.completeLogin(browser, res, { username: 'alice@example.com', password: 'alice-pw' });
      const refused = await browser.followToHost(res, new URL(gh.base).host);
      expect(refused.status).toBe(400);
      expect(browser.cookie(gh.base, 'CF_Authorization')).toBeUndefined();
      const ray = /id="ray-id">([0-9a-f]{16})</.exec(await refused.text())?.[1];
      expect(gh.logs.find((l) => l.ray_id === ray)).toMatchObject({ code: 'CONNECTOR_SIGNATURE_INVALID' });
      await gh.api(`/identity_providers/${forged.body.result.id}`, { method: 'DELETE' });
    });

    it('refuses a wrong state, a replayed callback and an expired transaction, each without a session cookie', async () => {
      // A callback nobody started.
      const stranger = new TestBrowser();
      const forged = await stranger.get(`${gh.base}/cdn-cgi/access/callback?code=abc&state=${'A'.repeat(43)}`);
      expect(forged.status).toBe(400);
      expect(stranger.cookie(gh.base, 'CF_Authorization')).toBeUndefined();

      // A real login whose callback is replayed after it succeeded.
      const browser = new TestBrowser();
      const saml = sp();
      let res = await browser.get(await saml.getAuthorizeUrlAsync('', undefined, {}));
      res = await browser.followToHost(res, new URL(op.issuer).host);
      res = await op.completeLogin(browser, res, { username: 'alice@example.com', password: 'alice-pw' });
      const callbackUrl = res.headers.get('location')!;
      expect(callbackUrl).toContain('/cdn-cgi/access/callback');
      seenCodes.push(new URL(callbackUrl).searchParams.get('code')!);
      const first = await browser.followToHost(res, new URL(gh.base).host, { stopAtHtml: true });
      expect(first.status).toBe(200);
      const replayBrowser = new TestBrowser();
      replayBrowser.copyCookiesFrom(browser, gh.base, ['CF_Session']);
      const replay = await replayBrowser.get(callbackUrl);
      expect(replay.status).toBe(400);
      expect(replayBrowser.cookie(gh.base, 'CF_Authorization')).toBeUndefined();

      // A transaction that outlived its 10 minutes.
      const slow = new TestBrowser();
      res = await slow.get(await sp().getAuthorizeUrlAsync('', undefined, {}));
      res = await slow.followToHost(res, new URL(op.issuer).host);
      res = await op.completeLogin(slow, res, { username: 'alice@example.com', password: 'alice-pw' });
      clock.advance(11 * 60_000);
      const late = await slow.followToHost(res, new URL(gh.base).host, { stopAtHtml: true });
      clock.set(Date.now());
      expect(late.status).toBe(400);
      expect(slow.cookie(gh.base, 'CF_Authorization')).toBeUndefined();
      const ray = /id="ray-id">([0-9a-f]{16})</.exec(await late.text())?.[1];
      expect(gh.logs.find((l) => l.ray_id === ray)).toMatchObject({ code: 'FLOW_EXPIRED' });
    });

    it('wrote no secret to its debug log in all of the above: client secret, API token, codes, tokens, private keys', () => {
      const text = gh.logs.map((l) => JSON.stringify(l)).join('\n');
      expect(gh.logs.length).toBeGreaterThan(10);
      expect(seenCodes.length).toBeGreaterThan(0);
      expect(text).not.toContain(op.clientSecret);
      expect(text).not.toContain(gh.token);
      for (const code of seenCodes) expect(text).not.toContain(code);
      expect(text).not.toMatch(/PRIVATE KEY/);
      // No JWT of any kind (ID tokens from the OP, CF_Authorization sessions) appears in the log.
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./);
    });
  });
}
