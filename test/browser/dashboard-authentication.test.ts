import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/setup/first-run.js';
import { type CheckedContext, chromiumAvailable, describeViolations, launchChromium, openCheckedContext, runAxe, saveScreenshot, severe } from '../helpers/chromium.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { makeTestCertificate } from '../helpers/test-certificate.js';
import { dialectCases } from '../helpers/test-databases.js';
import { type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';

/**
 * Settings › Authentication in real Chromium: an administrator signs in (setup link, One-time PIN), adds Amazon
 * Cognito from its template with the values of a real OpenID Provider and presses Test (a new window that signs in
 * at the OP), adds AWS IAM Identity Center from pasted metadata, sees field errors next to their fields, edits
 * without ever seeing the client secret, and deletes. Every page is checked for CSP violations and axe findings.
 */
const ENTITY = 'https://portal.sso.eu-central-1.amazonaws.com/saml/assertion/b2yJrC4kjy3ZAS0a2SeDJj74ebEAxozPfiURId0aQsal3';
const SSO = 'https://portal.sso.eu-central-1.amazonaws.com/saml/assertion/b2yJrC4kjy3ZAS0a2SeDJj74ebEAxozPfiURId0aQsal3';

function idpMetadata(certBase64: string): string {
  const wrapped = certBase64.match(/.{1,64}/g)!.join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${ENTITY}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
${wrapped}
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${SSO}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${SSO}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

describe.skipIf(!chromiumAvailable)('Settings › Authentication in Chromium', () => {
  let gh: RunningGatehouse;
  let op: OidcPeer;
  let browser: Browser;
  let checked: CheckedContext;
  let page: Page;
  const extraContexts: CheckedContext[] = [];

  const expectNoSevereAxe = async (p: Page, screen: string) => {
    const bad = severe(await runAxe(p));
    expect(bad, `${screen}:\n${describeViolations(bad)}`).toEqual([]);
    await saveScreenshot(p, `authentication-${screen.replace(/^the /, '').replace(/\W+/g, '-')}`);
  };

  const fieldError = (p: Page, field: string) => p.locator(`#f-${field.replaceAll('_', '-')}-error`);

  beforeAll(async () => {
    const [sqlite] = await dialectCases();
    gh = await startGatehouse(sqlite!);
    op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });
    browser = await launchChromium();
    checked = await openCheckedContext(browser);
    page = await checked.newPage();
  });

  afterEach(() => {
    const open = extraContexts.splice(0);
    try {
      checked.assertClean();
      for (const c of open) c.assertClean();
    } finally {
      for (const c of open) void c.close();
    }
  });

  afterAll(async () => {
    await checked?.close();
    await browser?.close();
    await op?.close();
    await gh?.close();
  });

  it('an administrator signs in from the setup link with a One-time PIN', async () => {
    const token = (await issueSetupToken(gh.db.store, new Date()))!;
    await page.goto(`${gh.base}/cdn-cgi/access/setup?token=${token}`);
    await page.getByLabel('Administrator email addresses (one per line)').fill('admin@example.com');
    await page.getByRole('button', { name: 'Create administrators' }).click();
    await page.getByRole('link', { name: 'Sign in to the dashboard' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/cdn-cgi/access/login');
    await page.locator('a[href*="/cdn-cgi/access/login/"]').first().click();
    await page.getByLabel('Email address').fill('admin@example.com');
    const before = gh.logs.length;
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('Code').waitFor();
    let code: string | undefined;
    await expect
      .poll(() => {
        const line = gh.logs.slice(before).find((l) => l.event === 'mail.development_log');
        code = /is (\d{6})\./.exec(String(line?.text))?.[1];
        return code;
      })
      .toMatch(/^\d{6}$/);
    await page.getByLabel('Code').fill(code!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/dashboard/'));
    expect(await page.content()).toContain('admin@example.com');
  });

  it('lists the login methods with a Test button that opens a new window, and offers the templates', async () => {
    await page.getByRole('link', { name: 'Settings › Authentication' }).click();
    await page.waitForURL(`${gh.base}/dashboard/authentication`);
    expect(await page.title()).toBe('Login methods · Gatehouse');
    const testForm = page.locator('form[action$="/test"]').first();
    expect(await testForm.getAttribute('target')).toBe('_blank');
    expect(await testForm.locator('input[name="csrf"]').count()).toBe(1);
    for (const choice of ['OpenID Connect', 'Amazon Cognito', 'SAML', 'AWS IAM Identity Center', 'One-time PIN']) {
      expect(await page.getByRole('link', { name: new RegExp(`^${choice}`) }).count(), choice).toBeGreaterThan(0);
    }
    await expectNoSevereAxe(page, 'login methods list');
  });

  it('adds Amazon Cognito from its template and the Test window signs alice in at the OP', async () => {
    await page.goto(`${gh.base}/dashboard/authentication`);
    await page.getByRole('link', { name: /^Amazon Cognito/ }).click();
    await page.waitForURL(`${gh.base}/dashboard/authentication/new/oidc?template=cognito`);
    expect(await page.getByLabel('Scopes').inputValue()).toBe('openid email profile');
    expect(await page.getByLabel('OIDC claims').inputValue()).toBe('sub cognito:username name cognito:groups');
    expect(await page.getByLabel('Proof Key for Code Exchange (PKCE)').isChecked()).toBe(true);
    const text = await page.locator('main').textContent();
    expect(text).toContain('https://<your user pool domain>/oauth2/authorize');
    expect(text).toContain('https://cognito-idp.<region>.amazonaws.com/<your user pool ID>/.well-known/jwks.json');
    expect(text).toContain(`${gh.base}/cdn-cgi/access/callback`);
    await expectNoSevereAxe(page, 'add OpenID Connect (Amazon Cognito)');

    await page.getByLabel('Name', { exact: true }).fill('Cognito pool');
    await page.getByLabel('App (client) ID').fill(op.clientId);
    await page.getByLabel('Client secret').fill(op.clientSecret);
    await page.getByLabel('Auth URL').fill(op.authUrl);
    await page.getByLabel('Token URL').fill(op.tokenUrl);
    await page.getByLabel('Certificate (key) URL').fill(op.certsUrl);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#auth-saved').textContent()).toContain('“Cognito pool” saved');
    // The secret is never shown again.
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(op.clientSecret);

    await page.goto(`${gh.base}/dashboard/authentication`);
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('button', { name: 'Test Cognito pool' }).click()]);
    await popup.waitForURL((u) => u.origin === op.issuer);
    await popup.locator('input[name="username"]').fill('alice@example.com');
    await popup.locator('input[name="password"]').fill('alice-pw');
    await popup.locator('button[type="submit"]').click();
    await expect.poll(() => popup.title()).toBe('Your connection works! · Gatehouse');
    const identity = (await popup.locator('#identity').textContent())!;
    expect(identity).toContain('alice@example.com');
    expect(identity).toContain('cognito:username');
    expect(identity).toContain('"alice"');
    await popup.close();
  });

  it('edits the OIDC login method without the client secret, which is kept', async () => {
    const id = ((await gh.api('/identity_providers')).body.result as any[]).find((i) => i.name === 'Cognito pool').id as string;
    await page.goto(`${gh.base}/dashboard/authentication/${id}/edit`);
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    await page.getByLabel('Name', { exact: true }).fill('Cognito pool (renamed)');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#auth-saved').textContent()).toContain('saved');
    const stored = await gh.db.store.idps.get(id);
    expect(stored?.name).toBe('Cognito pool (renamed)');
    expect(stored?.type === 'oidc' && stored.config.clientSecret).toBe(op.clientSecret);
  });

  it('a wrong URL is shown next to its field and the form keeps what was typed', async () => {
    await page.goto(`${gh.base}/dashboard/authentication/new/oidc`);
    await expectNoSevereAxe(page, 'add OpenID Connect');
    await page.getByLabel('Name', { exact: true }).fill('Broken');
    await page.getByLabel('Client ID').fill('client-123');
    await page.getByLabel('Client secret').fill('s3cret');
    await page.getByLabel('Auth URL').fill('ftp://x');
    await page.getByLabel('Token URL').fill('https://idp.example/token');
    await page.getByLabel('Certificate (key) URL').fill('https://idp.example/jwks.json');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Save' }).click();
    expect((await answer).status()).toBe(400);
    await expect.poll(() => fieldError(page, 'auth_url').textContent()).toContain('https://');
    expect(await page.getByLabel('Auth URL').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Auth URL').inputValue()).toBe('ftp://x');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Broken');
    expect(await page.getByLabel('Client ID').inputValue()).toBe('client-123');
    expect(await page.getByLabel('Token URL').inputValue()).toBe('https://idp.example/token');
    expect(await fieldError(page, 'token_url').count()).toBe(0);
    await expectNoSevereAxe(page, 'add OpenID Connect with errors');
    expect(((await gh.api('/identity_providers')).body.result as any[]).some((i) => i.name === 'Broken')).toBe(false);
  });

  it('adds AWS IAM Identity Center from pasted metadata: entity ID, SSO URL and certificate are filled in', async () => {
    const cert = await makeTestCertificate({ commonName: 'aws-idc' });
    await page.goto(`${gh.base}/dashboard/authentication`);
    await page.getByRole('link', { name: /^AWS IAM Identity Center/ }).click();
    await page.waitForURL(`${gh.base}/dashboard/authentication/new/saml?template=aws`);
    expect(await page.locator('#acs-url').textContent()).toBe(`${gh.base}/cdn-cgi/access/callback`);
    expect(await page.locator('#sp-entity-id').textContent()).toBe(`${gh.base}/cdn-cgi/access/callback`);
    expect(await page.locator('#sp-metadata').getAttribute('href')).toBe(`${gh.base}/cdn-cgi/access/saml-metadata`);
    expect(await page.getByLabel('Sign SAML authentication request').isChecked()).toBe(true);
    expect(await page.getByLabel('Email attribute name').inputValue()).toBe('email');
    await expectNoSevereAxe(page, 'add SAML (AWS IAM Identity Center)');

    await page.getByLabel('Name', { exact: true }).fill('AWS');
    await page.getByLabel('IAM Identity Center SAML metadata (XML)').fill(idpMetadata(cert.base64));
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#auth-saved').textContent()).toContain('“AWS” saved');
    expect(await page.getByLabel('IdP entity ID or issuer URL').inputValue()).toBe(ENTITY);
    expect(await page.getByLabel('Single Sign-On URL').inputValue()).toBe(SSO);
    expect(await page.getByLabel('Signing certificates (PEM)').inputValue()).toContain('-----BEGIN CERTIFICATE-----');
    expect(await page.getByLabel('Sign SAML authentication request').isChecked()).toBe(true);
    const saved = ((await gh.api('/identity_providers')).body.result as any[]).find((i) => i.name === 'AWS');
    expect(saved.config).toMatchObject({ issuer_url: ENTITY, sso_target_url: SSO, sign_request: true, email_attribute_name: 'email' });
  });

  it('shows the API warnings after saving: an expired certificate', async () => {
    const expired = await makeTestCertificate({ commonName: 'old', notBefore: new Date(Date.now() - 400 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    await page.goto(`${gh.base}/dashboard/authentication/new/saml`);
    await expectNoSevereAxe(page, 'add SAML');
    await page.getByLabel('Name', { exact: true }).fill('Old IdP');
    await page.getByLabel('IdP entity ID or issuer URL').fill('https://old-idp.example/entity');
    await page.getByLabel('Single Sign-On URL').fill('https://old-idp.example/sso');
    await page.getByLabel('Signing certificates (PEM)').fill(expired.certificatePem);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#auth-saved').textContent()).toContain('“Old IdP” saved');
    expect((await page.locator('.auth-warnings').textContent())!.toLowerCase()).toContain('expired');
  });

  it('a second One-time PIN is refused and the API error is shown', async () => {
    await page.goto(`${gh.base}/dashboard/authentication/new/onetimepin`);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#auth-problems').textContent()).toContain('One-time PIN login method already exists');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('One-time PIN');
  });

  it('deletes a login method', async () => {
    const id = ((await gh.api('/identity_providers')).body.result as any[]).find((i) => i.name === 'Old IdP').id as string;
    await page.goto(`${gh.base}/dashboard/authentication/${id}/edit`);
    await page.getByRole('button', { name: 'Delete Old IdP' }).click();
    await page.waitForURL(`${gh.base}/dashboard/authentication`);
    expect(await page.getByRole('cell', { name: 'Old IdP' }).count()).toBe(0);
    expect(await gh.db.store.idps.get(id)).toBeUndefined();
  });
});
