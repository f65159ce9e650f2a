import { SAML } from '@node-saml/node-saml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRedirectMessage } from '../../src/apps/saml/decode-saml-message.js';
import type { Identity } from '../../src/identity/identity.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { TestBrowser } from '../helpers/test-browser.js';
import { dialectCases } from '../helpers/test-databases.js';

/** Gatehouse's SAML IdP surface with a live session: bindings, IdP-initiated SSO, metadata, headers, team-domain JSON. */
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-endpoints';
const ACS = 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/endpoints';
const alice: Identity = {
  subject: 'sub-alice',
  idpId: '00000000-0000-4000-8000-000000000001',
  idpType: 'oidc',
  email: 'alice@example.com',
  name: 'Alice Example',
  groups: ['admins'],
  claims: { 'cognito:username': ['alice'] },
  authn: { issuer: 'https://issuer.example', at: new Date(), amr: ['pwd'] },
};

const [sqlite] = await dialectCases();

describe('SAML IdP endpoints and team-domain JSON', () => {
  let gh: RunningGatehouse;
  let app: any;
  let cookie: string;
  const sp = (o: Record<string, unknown> = {}) =>
    new SAML({ entryPoint: app.saas_app.sso_endpoint, issuer: SP_ENTITY, callbackUrl: ACS, audience: SP_ENTITY, idpCert: app.saas_app.public_key, wantAssertionsSigned: true, wantAuthnResponseSigned: true, ...o });

  beforeAll(async () => {
    gh = await startGatehouse(sqlite!);
    app = (
      await gh.api('/apps', {
        body: {
          type: 'saas',
          name: 'AWS <prod>',
          saas_app: { sp_entity_id: SP_ENTITY, consumer_service_url: ACS, default_relay_state: 'https://console.aws.amazon.com/' },
          policies: [{ name: 'Example', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
        },
      })
    ).body.result;
    const s = await gh.built.sessions.establish(alice, '127.0.0.1', async () => undefined);
    cookie = s.setCookie.split(';')[0]!;
  });
  afterAll(async () => {
    await gh?.close();
  });

  it('serves metadata that AWS can upload: entity ID, both bindings, the signing certificate and nothing private', async () => {
    const res = await fetch(`${app.saas_app.sso_endpoint}/saml-metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await res.text();
    expect(xml).toContain(`entityID="${app.saas_app.idp_entity_id}"`);
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${app.saas_app.sso_endpoint}"`);
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${app.saas_app.sso_endpoint}"`);
    expect(xml).toContain(app.saas_app.public_key);
    expect(xml).not.toMatch(/PRIVATE KEY|use="encryption"/);
    expect(xml.length).toBeLessThan(75_000);
    const unknown = await fetch(`${gh.base}/cdn-cgi/access/sso/saml/${'a'.repeat(64)}/saml-metadata`);
    expect(unknown.status).toBe(404);
  });

  it('answers the HTTP-POST binding with a live session, and the SP accepts the response', async () => {
    const saml = sp();
    const url = new URL(await saml.getAuthorizeUrlAsync('post-relay', undefined, {}));
    const xml = decodeRedirectMessage(url.searchParams.get('SAMLRequest')!);
    const browser = new TestBrowser();
    const res = await fetch(app.saas_app.sso_endpoint, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'post-relay' }),
    });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("form-action https://us-east-1.signin.aws.amazon.com");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const form = browser.formFields(await res.text());
    expect(form.action).toBe(ACS);
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse!, RelayState: form.fields.RelayState! });
    expect(profile?.nameID).toBe('alice@example.com');
  });

  it('starts IdP-initiated SSO from the launch URL with default_relay_state, and asks first when another site sent the user', async () => {
    const direct = await fetch(app.saas_app.sso_endpoint, { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(direct.status).toBe(200);
    const form = new TestBrowser().formFields(await direct.text());
    expect(form.fields.RelayState).toBe('https://console.aws.amazon.com/');
    const xml = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
    expect(xml).not.toContain('InResponseTo');
    const { profile } = await sp({ validateInResponseTo: 'never' }).validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse! });
    expect(profile?.nameID).toBe('alice@example.com');

    const crossSite = await fetch(app.saas_app.sso_endpoint, { headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    const page = await crossSite.text();
    expect(page).not.toContain('SAMLResponse');
    expect(page).toContain('Continue to AWS &lt;prod&gt;');
  });

  it('answers a repeated AuthnRequest within its freshness window again (IDP-REQ-07: documented choice)', async () => {
    // The response can only go to the registered ACS, for the user of the session that asks, so a repeat gains an
    // attacker nothing; refusing would cost a store write on every SSO. Staleness is enforced by the parser.
    const url = await sp().getAuthorizeUrlAsync('', undefined, {});
    const first = await fetch(url, { headers: { cookie } });
    const second = await fetch(url, { headers: { cookie } });
    expect([first.status, second.status]).toEqual([200, 200]);
    const inResponseTo = (res: string) => /InResponseTo="([^"]+)"/.exec(Buffer.from(new TestBrowser().formFields(res).fields.SAMLResponse!, 'base64').toString())?.[1];
    expect(inResponseTo(await first.text())).toBe(inResponseTo(await second.text()));
  });

  it('refuses a live session the policy does not admit, posting nothing', async () => {
    const s = await gh.built.sessions.establish({ ...alice, email: 'mallory@evil.test' }, '127.0.0.1', async () => undefined);
    const res = await fetch(await sp().getAuthorizeUrlAsync('', undefined, {}), { headers: { cookie: s.setCookie.split(';')[0]! } });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('SAMLResponse');
  });

  it('serves get-identity only for a valid, single session cookie, and certs in Cloudflare shape', async () => {
    const ok = await fetch(`${gh.base}/cdn-cgi/access/get-identity`, { headers: { cookie } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('private, no-store');
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
    expect(await ok.json()).toMatchObject({ email: 'alice@example.com', name: 'Alice Example', amr: ['pwd'], oidc_fields: { 'cognito:username': 'alice' }, groups: [{ name: 'admins' }] });
    expect((await fetch(`${gh.base}/cdn-cgi/access/get-identity`)).status).toBe(401);
    const [, value] = cookie.split('=');
    const tossed = await fetch(`${gh.base}/cdn-cgi/access/get-identity`, { headers: { cookie: `${cookie}; CF_Authorization=${value!.slice(0, -4)}AAAA` } });
    expect(tossed.status).toBe(401);

    const certs = (await (await fetch(`${gh.base}/cdn-cgi/access/certs`)).json()) as any;
    expect(certs.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(certs.keys[0].kid).toMatch(/^[0-9a-f]{64}$/);
    expect(certs.public_cert.kid).toBe(certs.keys[0].kid);
    expect(certs.public_cert.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(certs.public_certs).toHaveLength(certs.keys.length);
    expect(JSON.stringify(certs)).not.toMatch(/"d":|PRIVATE/);
  });

  it('lists every login method on the login page, escaping their names', async () => {
    const config = { client_id: 'c', client_secret: 's', auth_url: 'https://idp.example/auth', token_url: 'https://idp.example/token', certs_url: 'https://idp.example/jwks' };
    const a = (await gh.api('/identity_providers', { body: { name: 'Cognito', type: 'oidc', config } })).body.result;
    const b = (await gh.api('/identity_providers', { body: { name: '<img src=x onerror=alert(1)>', type: 'oidc', config } })).body.result;
    const res = await fetch(`${gh.base}/cdn-cgi/access/login`);
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain(`href="${gh.base}/cdn-cgi/access/login/${a.id}"`);
    expect(page).toContain(`href="${gh.base}/cdn-cgi/access/login/${b.id}"`);
    expect(page).toContain('Sign in with &lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
  });

  it('a CF_Authorization cookie is HttpOnly, host-only and SameSite=Lax', async () => {
    const s = await gh.built.sessions.establish(alice, '127.0.0.1', async () => undefined);
    const attrs = s.setCookie.split(';').map((a) => a.trim());
    expect(attrs).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax']));
    expect(attrs.some((a) => a.startsWith('Domain='))).toBe(false);
    expect(attrs.some((a) => a === 'Secure')).toBe(false); // http base URL in tests; https deployments get Secure
  });
});
