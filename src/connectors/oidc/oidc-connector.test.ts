import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncCodeOf } from '../../../test/helpers/error-code.js';
import { TestBrowser } from '../../../test/helpers/test-browser.js';
import { type OidcPeer, startOidcProvider } from '../../../test/peers/oidc-provider-peer.js';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { systemClock } from '../../lib/clock.js';
import { randomToken } from '../../lib/random.js';
import type { Connector, LoginStart } from '../connector.js';
import type { OidcIdpConfig, OidcIdpRecord } from '../idp-record.js';
import { createOidcConnector } from './oidc-connector.js';
import { OidcMetadataResolver } from './oidc-metadata-resolver.js';

/** The OIDC login method against panva's oidc-provider over real HTTP; the test browser plays the user. */
const CALLBACK = 'http://127.0.0.1:9/cdn-cgi/access/callback';
let op: OidcPeer;

function connector(overrides: Partial<OidcIdpConfig> = {}): Connector {
  const record: OidcIdpRecord = {
    id: '11111111-2222-4333-8444-555555555555',
    name: 'Cognito',
    type: 'oidc',
    config: {
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      authUrl: op.authUrl,
      tokenUrl: op.tokenUrl,
      certsUrl: op.certsUrl,
      scopes: ['openid', 'email', 'profile'],
      claims: ['cognito:username', 'name'],
      emailClaimName: 'email',
      pkceEnabled: true,
      ...overrides,
    },
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  return createOidcConnector(record, { clock: systemClock, metadata: new OidcMetadataResolver() });
}

/** Starts a login, signs in at the OP as `username`, and returns the callback parameters the OP sent back. */
async function login(c: Connector, username = 'alice@example.com', password?: string): Promise<{ key: string; start: LoginStart; params: URLSearchParams }> {
  const key = randomToken(32);
  const start = await c.startLogin({ transactionKey: key, callbackUrl: CALLBACK });
  const browser = new TestBrowser();
  const page = await browser.follow(await browser.get(start.redirectUrl.toString()));
  const back = await op.completeLogin(browser, page, { username, password: password ?? `${username.split('@')[0]}-pw` });
  const location = new URL(back.headers.get('location')!, back.url);
  expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
  return { key, start, params: location.searchParams };
}


beforeAll(async () => {
  op = await startOidcProvider({ redirectUris: [CALLBACK] });
});
afterAll(async () => {
  await op?.close();
});

describe('OIDC connector against oidc-provider', () => {
  it('signs alice in with PKCE S256 and maps her Cognito claims', async () => {
    const c = connector();
    const { key, start, params } = await login(c);
    expect(start.redirectUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(start.redirectUrl.searchParams.get('state')).toBe(key);
    expect(start.state.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    const identity = await c.finishLogin({ callbackUrl: CALLBACK, params, transactionKey: key, state: start.state, now: new Date() });
    expect(identity).toMatchObject({
      email: 'alice@example.com',
      name: 'Alice Example',
      groups: ['admins', 'engineering'],
      claims: { 'cognito:username': ['alice'], name: ['Alice Example'] },
      idpType: 'oidc',
      authn: { issuer: op.issuer },
    });
  });

  it('refuses a state that is not the one this login sent', async () => {
    const c = connector();
    const { start, params } = await login(c);
    expect(await asyncCodeOf(c.finishLogin({ callbackUrl: CALLBACK, params, transactionKey: randomToken(32), state: start.state, now: new Date() }))).toBe('CONNECTOR_STATE_INVALID');
  });

  it('refuses a replayed code (the provider says invalid_grant)', async () => {
    const c = connector();
    const { key, start, params } = await login(c);
    await c.finishLogin({ callbackUrl: CALLBACK, params, transactionKey: key, state: start.state, now: new Date() });
    expect(await asyncCodeOf(c.finishLogin({ callbackUrl: CALLBACK, params, transactionKey: key, state: start.state, now: new Date() }))).toBe('CONNECTOR_UPSTREAM_ERROR');
  });

  it('refuses an ID token whose nonce belongs to another login', async () => {
    const c = connector();
    const { key, start, params } = await login(c);
    expect(await asyncCodeOf(c.finishLogin({ callbackUrl: CALLBACK, params, transactionKey: key, state: { ...start.state, nonce: 'another-login-nonce' }, now: new Date() }))).toBe('CONNECTOR_TOKEN_INVALID');
  });

  it('refuses when the PKCE verifier does not match the challenge (code injection)', async () => {
    const c = connector();
    const { key, start, params } = await login(c);
    expect(await asyncCodeOf(c.finishLogin({ callbackUrl: CALLBACK, params, transactionKey: key, state: { ...start.state, codeVerifier: 'x'.repeat(43) }, now: new Date() }))).toBe('CONNECTOR_UPSTREAM_ERROR');
  });

  it('refuses a wrong client secret, an error= callback, an unverified email and an ID token from another key set', async () => {
    const wrongSecret = connector({ clientSecret: 'not-the-secret' });
    const a = await login(wrongSecret);
    expect(await asyncCodeOf(wrongSecret.finishLogin({ callbackUrl: CALLBACK, params: a.params, transactionKey: a.key, state: a.start.state, now: new Date() }))).toBe('CONNECTOR_UPSTREAM_ERROR');

    const c = connector();
    const start = await c.startLogin({ transactionKey: 'k'.repeat(43), callbackUrl: CALLBACK });
    const denied = new URLSearchParams({ error: 'access_denied', error_description: '<script>alert(1)</script>', state: 'k'.repeat(43), iss: op.issuer });
    expect(await asyncCodeOf(c.finishLogin({ callbackUrl: CALLBACK, params: denied, transactionKey: 'k'.repeat(43), state: start.state, now: new Date() }))).toBe('CONNECTOR_UPSTREAM_ERROR');

    const d = await login(c, 'dave@example.com');
    expect(await asyncCodeOf(c.finishLogin({ callbackUrl: CALLBACK, params: d.params, transactionKey: d.key, state: d.start.state, now: new Date() }))).toBe('IDENTITY_EMAIL_UNVERIFIED');

    const foreign = connector({ certsUrl: op.foreignCertsUrl, issuer: op.issuer });
    const f = await login(foreign);
    expect(await asyncCodeOf(foreign.finishLogin({ callbackUrl: CALLBACK, params: f.params, transactionKey: f.key, state: f.start.state, now: new Date() }))).toBe('CONNECTOR_SIGNATURE_INVALID');
  });

  it('reports an unreachable token endpoint as such', async () => {
    const c = connector({ tokenUrl: 'http://127.0.0.1:9/oauth2/token', issuer: op.issuer });
    const { key, start, params } = await login(c);
    expect(await asyncCodeOf(c.finishLogin({ callbackUrl: CALLBACK, params, transactionKey: key, state: start.state, now: new Date() }))).toBe('CONNECTOR_UNREACHABLE');
  });
});

describe('OidcMetadataResolver', () => {
  it('finds the issuer Cognito-style (certs_url minus /.well-known/jwks.json) and keeps the configured endpoints', async () => {
    const meta = await new OidcMetadataResolver().resolve({ ...base(), issuer: undefined });
    expect(meta).toMatchObject({ issuer: op.issuer, source: 'discovery', tokenEndpoint: op.tokenUrl, jwksUri: op.certsUrl });
  });

  it('never takes an issuer whose discovery document names another jwks_uri', async () => {
    const e = await new OidcMetadataResolver().resolve({ ...base(), certsUrl: op.foreignCertsUrl }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GatehouseError);
    expect((e as GatehouseError).code).toBe('CONNECTOR_CONFIG_INVALID');
  });

  it('uses an explicit issuer as configured', async () => {
    const meta = await new OidcMetadataResolver().resolve({ ...base(), issuer: 'https://issuer.example' });
    expect(meta).toMatchObject({ issuer: 'https://issuer.example', source: 'explicit' });
  });
});

function base(): OidcIdpConfig {
  return { clientId: op.clientId, clientSecret: op.clientSecret, authUrl: op.authUrl, tokenUrl: op.tokenUrl, certsUrl: op.certsUrl, scopes: ['openid'], claims: [], emailClaimName: 'email', pkceEnabled: true };
}
