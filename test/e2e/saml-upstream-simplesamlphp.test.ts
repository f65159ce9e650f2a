import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningCertificate, sha256Fingerprint } from '../../src/keys/generate-signing-certificate.js';
import { TestBrowser } from '../helpers/test-browser.js';
import { freePort, type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { loginAtSimpleSamlPhp, type SimpleSamlPhpIdp, simpleSamlPhpAvailable, startSimpleSamlPhpIdp } from '../peers/simplesamlphp-peer.js';

/**
 * Seed 003 with real peers: SimpleSAMLphp plays IAM Identity Center as the upstream SAML IdP, Gatehouse is its SP,
 * and node-saml plays a downstream SaaS app (AWS) that checks what Gatehouse asserts. SAML to SAML, end to end.
 */
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230000';
const ACS = 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/5f0c3c1e-aws-test';

const cases = (await dialectCases()).filter((d) => d.name === 'sqlite' || process.env.CI === 'true' || d.available);
const peer = simpleSamlPhpAvailable();

for (const dialect of cases) {
  describe.skipIf(!dialect.available || !peer)(`SAML upstream (SimpleSAMLphp) to SAML app on ${dialect.name}`, () => {
    let gh: RunningGatehouse;
    let ssp: SimpleSamlPhpIdp & { stateDir: string };
    let idpId: string;
    let app: any;

    beforeAll(async () => {
      gh = await startGatehouse(dialect);
      const port = await freePort();
      ssp = await startSimpleSamlPhpIdp(port, [`${gh.base}/cdn-cgi/access/saml-metadata`]);
      // Metadata both ways, as in seed 003: Gatehouse imports the IdP's metadata by URL ...
      const created = await gh.api('/identity_providers', {
        body: {
          name: 'AWS IAM Identity Center',
          type: 'saml',
          config: { metadata_url: ssp.metadataUrl, email_attribute_name: 'email', attributes: ['email', 'name', 'givenName', 'surName', 'groups'], sign_request: false },
        },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      idpId = created.body.result.id;
      expect(created.body.result.config).toMatchObject({ issuer_url: ssp.entityId, sso_target_url: ssp.ssoUrl });
      // ... and the IdP trusts this login method's SP metadata URL (same IdP key: the state directory is kept).
      await ssp.stop();
      ssp = await startSimpleSamlPhpIdp(port, [`${gh.base}/cdn-cgi/access/${idpId}/saml-metadata`], { stateDir: ssp.stateDir });
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
            custom_attributes: [{ name: 'surname', source: { name: 'surName' } }],
          },
          policies: [{ name: 'Engineering', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
        },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      app = made.body.result;
    }, 600_000);

    afterAll(async () => {
      await ssp?.stop();
      await gh?.close();
    });

    const sp = () =>
      new SAML({
        entryPoint: app.saas_app.sso_endpoint,
        issuer: SP_ENTITY,
        callbackUrl: ACS,
        audience: SP_ENTITY,
        idpCert: app.saas_app.public_key,
        idpIssuer: app.saas_app.idp_entity_id,
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: true,
        validateInResponseTo: 'always' as never,
        signatureAlgorithm: 'sha256',
        acceptedClockSkewMs: 60_000,
      });

    it('signs alice in from the SaaS app through SimpleSAMLphp: the SP gets her verified email and attributes', async () => {
      const browser = new TestBrowser();
      const saml = sp();
      let res = await browser.get(await saml.getAuthorizeUrlAsync('relay-aws', undefined, {}));
      res = await browser.followToHost(res, new URL(ssp.base).host);
      res = await loginAtSimpleSamlPhp(browser, res, { username: 'alice', password: 'alice123' });
      // SimpleSAMLphp answers with its auto-submitting HTTP-POST form to Gatehouse's ACS.
      const toAcs = browser.formFields(await res.text());
      expect(toAcs.action).toBe(`${gh.base}/cdn-cgi/access/callback`);
      res = await browser.follow(await browser.post(toAcs.action, toAcs.fields));
      const form = browser.formFields(await res.text());
      expect(form.action).toBe(ACS);
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse!, RelayState: form.fields.RelayState! });
      expect(profile?.nameID).toBe('alice@example.com');
      expect(profile?.['groups']).toEqual(['admins', 'engineering']);
      expect(profile?.['surname']).toBe('Example');

      const identity = await browser.getJson(`${gh.base}/cdn-cgi/access/get-identity`);
      expect(identity.status).toBe(200);
      expect(identity.body).toMatchObject({ email: 'alice@example.com', name: 'Alice Example', idp: { id: idpId, type: 'saml' } });
      expect(identity.body.saml_attributes).toMatchObject({ email: 'alice@example.com', givenName: 'Alice', surName: 'Example' });
      expect(identity.body.groups.map((g: { name: string }) => g.name)).toEqual(['admins', 'engineering']);
      expect(gh.logs.some((l) => l.event === 'saml.verified' && l.idp === idpId)).toBe(true);
    });

    it('a saml attribute rule decides from the verified assertion: alice (groups admins) gets in, bob does not', async () => {
      const made = await gh.api('/apps', {
        body: {
          type: 'saas',
          name: 'Admin console',
          allowed_idps: [idpId],
          auto_redirect_to_identity: true,
          saas_app: { auth_type: 'saml', sp_entity_id: 'https://console.example.test/sp', consumer_service_url: 'https://console.example.test/acs', name_id_format: 'email' },
          policies: [{ name: 'IdP admins', decision: 'allow', include: [{ saml: { attribute_name: 'groups', attribute_value: 'admins', identity_provider_id: idpId } }] }],
        },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      const open = async (username: string) => {
        const browser = new TestBrowser();
        let res = await browser.follow(await browser.get(made.body.result.saas_app.sso_endpoint));
        res = await loginAtSimpleSamlPhp(browser, res, { username, password: `${username}123` });
        const toAcs = browser.formFields(await res.text());
        return browser.follow(await browser.post(toAcs.action, toAcs.fields));
      };
      const alice = await open('alice');
      expect(alice.status).toBe(200);
      expect(browserFormAction(await alice.text())).toBe('https://console.example.test/acs');
      const bob = await open('bob');
      expect(bob.status).toBe(403);
      const entry = ((await gh.api('/logs/access_requests?email=bob@example.com&email_exact=true')).body.result as any[])[0];
      expect(entry).toMatchObject({ allowed: false, connection: 'saml', app_uid: made.body.result.id, ray_id: bob.headers.get('x-gatehouse-ray-id') });
      expect(entry.reasons).toContain('saml-unauthorized');
    });

    it('sends a signed AuthnRequest when sign_request is on, and SimpleSAMLphp verifies it against the SP metadata', async () => {
      const current = await gh.api(`/identity_providers/${idpId}`);
      const updated = await gh.api(`/identity_providers/${idpId}`, { method: 'PUT', body: { ...current.body.result, config: { ...current.body.result.config, sign_request: true } } });
      expect(updated.status, JSON.stringify(updated.body)).toBe(200);
      const browser = new TestBrowser();
      const start = await browser.get(`${gh.base}/cdn-cgi/access/login/${idpId}`);
      const location = new URL(start.headers.get('location')!);
      expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      expect(location.searchParams.get('Signature')).toBeTruthy();
      const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      expect(request).toContain(`AssertionConsumerServiceURL="${gh.base}/cdn-cgi/access/callback"`);
      // SimpleSAMLphp checks the signature against the certificate in Gatehouse's SP metadata: a forged one fails.
      const forged = new URL(location);
      forged.searchParams.set('Signature', Buffer.alloc(256, 7).toString('base64'));
      // (SimpleSAMLphp answers with an error page, not the login form, and logs why.)
      const refused = await new TestBrowser().get(forged.toString());
      expect(await refused.text()).not.toMatch(/name="?password/);
      expect(readFileSync(join(ssp.stateDir, 'simplesamlphp-idp/log/simplesamlphp.log'), 'utf8')).toContain('Unable to validate signature on query string');
      let res = await browser.follow(start);
      res = await loginAtSimpleSamlPhp(browser, res, { username: 'bob', password: 'bob123' });
      const toAcs = browser.formFields(await res.text());
      res = await browser.post(toAcs.action, toAcs.fields);
      expect(res.status).toBe(302);
      expect(res.headers.get('set-cookie')).toContain('CF_Authorization=');
      const identity = await browser.getJson(`${gh.base}/cdn-cgi/access/get-identity`);
      expect(identity.body).toMatchObject({ email: 'bob@example.com', idp: { type: 'saml' } });
    });

    it('refuses a replayed SimpleSAMLphp response, with no session and a logged reason', async () => {
      const browser = new TestBrowser();
      let res = await browser.follow(await browser.get(`${gh.base}/cdn-cgi/access/login/${idpId}`));
      res = await loginAtSimpleSamlPhp(browser, res, { username: 'carol', password: 'carol123' });
      const toAcs = browser.formFields(await res.text());
      const first = await browser.post(toAcs.action, toAcs.fields);
      expect(first.status).toBe(302);
      // The session ends no later than the IdP's session (SessionNotOnOrAfter), here sooner than Gatehouse's 24 h.
      const sessionEnd = /SessionNotOnOrAfter="([^"]+)"/.exec(Buffer.from(toAcs.fields.SAMLResponse!, 'base64').toString('utf8'))![1]!;
      const maxAge = Number(/CF_Authorization=[^;]*;.*?Max-Age=(\d+)/i.exec(first.headers.get('set-cookie') ?? '')![1]);
      expect(Math.abs(maxAge - (Date.parse(sessionEnd) - Date.now()) / 1000)).toBeLessThan(10);
      expect(maxAge).toBeLessThan(24 * 3600);
      const replay = new TestBrowser();
      replay.copyCookiesFrom(browser, gh.base, ['CF_Session']);
      const again = await replay.post(toAcs.action, toAcs.fields);
      expect(again.status).toBe(400);
      expect(again.headers.get('set-cookie') ?? '').not.toContain('CF_Authorization=');
      const ray = again.headers.get('x-gatehouse-ray-id');
      expect(gh.logs.find((l) => l.ray_id === ray)).toMatchObject({ event: 'auth.failure', code: 'CONNECTOR_STATE_INVALID' });
    });
      it('Test shows "Your connection works!" with the SAML attributes', async () => {
      const browser = new TestBrowser();
      const minted = await gh.api(`/identity_providers/${idpId}/test`, { method: 'POST', body: {} });
      let res = await browser.follow(await browser.get(minted.body.result.url));
      res = await loginAtSimpleSamlPhp(browser, res, { username: 'alice', password: 'alice123' });
      const toAcs = browser.formFields(await res.text());
      res = await browser.post(toAcs.action, toAcs.fields);
      const page = await res.text();
      expect(page).toContain('Your connection works!');
      expect(page).toContain('saml_attributes');
      expect(page).toContain('givenName');
      expect(browser.cookie(gh.base, 'CF_Authorization')).toBeUndefined();
    });

    it('rotates the pinned certificate: two pinned work, and with the IdP key unpinned Test names its fingerprint', async () => {
      const other = await generateSigningCertificate({ commonName: 'next IdP key', now: new Date() });
      const current = (await gh.api(`/identity_providers/${idpId}`)).body.result;
      const put = (certs: string[]) => gh.api(`/identity_providers/${idpId}`, { method: 'PUT', body: { ...current, config: { ...current.config, idp_public_certs: certs } } });
      expect((await put([other.certificatePem, ssp.certificatePem])).status).toBe(200);
      const signIn = async (minted?: string) => {
        const browser = new TestBrowser();
        let res = await browser.follow(await browser.get(minted ?? `${gh.base}/cdn-cgi/access/login/${idpId}`));
        res = await loginAtSimpleSamlPhp(browser, res, { username: 'alice', password: 'alice123' });
        const toAcs = browser.formFields(await res.text());
        return browser.post(toAcs.action, toAcs.fields);
      };
      expect((await signIn()).status).toBe(302);
      expect((await put([other.certificatePem])).status).toBe(200);
      const refused = await signIn();
      expect(refused.status).toBe(400);
      expect(refused.headers.get('set-cookie') ?? '').not.toContain('CF_Authorization=');
      const test = await signIn((await gh.api(`/identity_providers/${idpId}/test`, { method: 'POST', body: {} })).body.result.url);
      const page = await test.text();
      expect(page).toContain('SAML_SIG_INVALID');
      expect(page).toContain(`signed by a certificate with SHA-256 fingerprint ${sha256Fingerprint(ssp.certificatePem)}, which is not pinned`);
      expect(page).toContain('&lt;samlp:Response');
      expect((await put([ssp.certificatePem])).status).toBe(200);
      expect((await signIn()).status).toBe(302);
    });
  });
}

function browserFormAction(html: string): string | undefined {
  return /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
}
