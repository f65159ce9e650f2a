import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/test-browser.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { cognitoSeedBody, type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';

/** The login method Test (Cloudflare's Test button) for the Cognito-style OIDC login method, with a real OP. */
const [sqlite] = await dialectCases();

describe('Test of an OIDC login method', () => {
  let gh: RunningGatehouse;
  let op: OidcPeer;
  let idpId: string;

  beforeAll(async () => {
    gh = await startGatehouse(sqlite!);
    op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });
    const body = cognitoSeedBody(op);
    const created = await gh.api('/identity_providers', { body: body });
    expect(created.status).toBe(200);
    idpId = created.body.result.id;
  });

  afterAll(async () => {
    await op?.close();
    await gh?.close();
  });

  const testLink = async () => {
    const minted = await gh.api(`/identity_providers/${idpId}/test`, { method: 'POST', body: {} });
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    return minted.body.result.url as string;
  };

  it('runs a real login and shows "Your connection works!" with the identity, signing nobody in', async () => {
    const browser = new TestBrowser();
    let res = await browser.get(await testLink());
    res = await browser.followToHost(res, new URL(op.issuer).host);
    res = await op.completeLogin(browser, res, { username: 'alice@example.com', password: 'alice-pw' });
    res = await browser.followToHost(res, new URL(gh.base).host);
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('Your connection works!');
    expect(page).toContain('alice@example.com');
    expect(page).toContain('cognito:username');
    expect(browser.cookie(gh.base, 'CF_Authorization')).toBeUndefined();
    expect((await browser.getJson(`${gh.base}/cdn-cgi/access/get-identity`)).status).toBe(401);
  });

  it('a test link works once, and only an admin token can mint one', async () => {
    const url = await testLink();
    expect((await new TestBrowser().get(url)).status).toBe(302);
    const again = await new TestBrowser().get(url);
    expect(again.status).toBe(400);
    const anonymous = await fetch(`${gh.base}/client/v4/accounts/${gh.accountId}/access/identity_providers/${idpId}/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('shows the precise failure and hint to the admin, with the secret code redacted', async () => {
    const browser = new TestBrowser();
    let res = await browser.get(await testLink());
    res = await browser.followToHost(res, new URL(op.issuer).host);
    // The unverified user's email is refused (email_verified=false): a failure with a reason and a hint.
    res = await op.completeLogin(browser, res, { username: 'dave@example.com', password: 'dave-pw' });
    res = await browser.followToHost(res, new URL(gh.base).host);
    const page = await res.text();
    expect(res.status).toBe(400);
    expect(page).toContain('The connection failed');
    expect(page).toContain('IDENTITY_EMAIL_UNVERIFIED');
    expect(page).toContain('verify the user email at the identity provider');
    expect(page).toContain('code=[redacted]');
    const ray = /id="ray-id">([^<]+)</.exec(page)![1];
    expect(gh.logs.find((l) => l.ray_id === ray)).toMatchObject({ event: 'auth.failure', code: 'IDENTITY_EMAIL_UNVERIFIED', test: true });
  });
});
