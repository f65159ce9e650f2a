import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SAML } from '@node-saml/node-saml';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/setup/first-run.js';
import { type CheckedContext, chromiumAvailable, describeViolations, launchChromium, openCheckedContext, runAxe, saveScreenshot, severe } from '../helpers/chromium.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { startRecordingAcs } from './recording-acs.js';

/**
 * Access › Applications in real Chromium, as the AWS guide's click path: an administrator (set up with the first-run
 * link, signed in with a One-time PIN) adds Amazon AWS — a node-saml SP playing IAM Identity Center, with a tiny ACS
 * on loopback — copies the IdP values and downloads the certificate from the application's page, and the SP's
 * sign-in then lands in the app with an assertion node-saml verifies against that certificate. The Logs show it.
 * Every page is checked for CSP violations (the context) and serious or critical axe findings.
 */
const [sqlite] = await dialectCases();

const ADMIN = 'admin@example.com';
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230000';


describe.skipIf(!chromiumAvailable)('Access › Applications in Chromium', () => {
  let gh: RunningGatehouse;
  let browser: Browser;
  let acs: Awaited<ReturnType<typeof startRecordingAcs>>;
  let acsUrl: string;
  const contexts: CheckedContext[] = [];
  let admin: CheckedContext;
  let page: Page;

  const expectAccessible = async (p: Page, what: string) => {
    const found = severe(await runAxe(p));
    expect(found, `${what}:\n${describeViolations(found)}`).toEqual([]);
    await saveScreenshot(p, `applications-${what.replace(/^the /, '').replace(/\W+/g, '-')}`);
  };

  /** The first-run setup link, then the dashboard's One-time PIN sign-in, typed into the pages like a person would. */
  const signInAdmin = async (p: Page) => {
    const token = (await issueSetupToken(gh.db.store, new Date()))!;
    await p.goto(`${gh.base}/cdn-cgi/access/setup?token=${token}`);
    await p.getByLabel('Administrator email addresses (one per line)').fill(ADMIN);
    await p.getByRole('button', { name: 'Create administrators' }).click();
    await p.getByRole('link', { name: 'Sign in to the dashboard' }).click();
    await p.getByRole('link', { name: /^Sign in with / }).first().click();
    await completeOtp(p);
    await p.waitForURL(`${gh.base}/dashboard/applications`);
  };

  /** At the One-time PIN form: the email, then the code from the development mailer's log line. */
  const completeOtp = async (p: Page) => {
    await p.getByLabel('Email address').fill(ADMIN);
    const before = gh.logs.length;
    await p.getByRole('button', { name: 'Send me a code' }).click();
    await p.getByLabel('Code').waitFor();
    const line = gh.logs.slice(before).find((l) => l.event === 'mail.development_log');
    const code = /is (\d{6})\./.exec(String(line?.text))?.[1];
    expect(code, 'no One-time PIN in the development mailer log').toBeDefined();
    await p.getByLabel('Code').fill(code!);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    gh = await startGatehouse(sqlite!);
    acs = await startRecordingAcs();
    acsUrl = acs.url;
    browser = await launchChromium();
    admin = await openCheckedContext(browser);
    page = await admin.newPage();
    await signInAdmin(page);
  });

  afterEach(async () => {
    const open = contexts.splice(0);
    try {
      admin.assertClean();
      for (const c of open) c.assertClean();
    } finally {
      for (const c of open) await c.close();
    }
  });

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await acs?.close();
    await gh?.close();
  });

  it('adds Amazon AWS, shows the IdP values and certificate, and the SP sign-in lands in the app and in the Logs', async () => {
    await page.getByRole('link', { name: 'Access › Applications' }).click();
    await page.waitForURL(`${gh.base}/dashboard/applications`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Applications');
    await expectAccessible(page, 'the applications list');

    await page.getByRole('link', { name: 'Add an application' }).click();
    await expectAccessible(page, 'the template choice');
    await page.getByRole('link', { name: /^Amazon AWS/ }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Add Amazon AWS');
    expect(await page.getByRole('region', { name: 'Where AWS shows these values' }).textContent()).toContain('IAM Identity Center issuer URL');
    expect(await page.getByLabel('Application name').inputValue()).toBe('Amazon AWS');
    expect(await page.getByLabel('Email', { exact: true }).isChecked()).toBe(true);
    await expectAccessible(page, 'the add form');

    await page.getByLabel(/^Assertion Consumer Service URL/).fill(acsUrl);
    await page.getByLabel(/^Entity ID/).fill(SP_ENTITY);
    await page.getByLabel('One-time PIN').check();
    await page.getByLabel('Allow these emails or this email domain').check();
    await page.getByLabel('Allow these emails (one per line)').fill(ADMIN);
    await page.getByRole('button', { name: 'Save application' }).click();

    // The application's page: the values AWS needs.
    await page.waitForURL(/\/dashboard\/applications\/[0-9a-f-]{36}\?created=1$/);
    const appId = /applications\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Amazon AWS');
    expect(await page.getByRole('status').textContent()).toContain('saved');
    await expectAccessible(page, 'the application page');
    const ssoEndpoint = (await page.locator('#sso-endpoint').textContent())!;
    const idpEntityId = (await page.locator('#idp-entity-id').textContent())!;
    const sha256 = (await page.locator('#sha256').textContent())!;
    const sha1 = (await page.locator('#sha1').textContent())!;
    const pemOnPage = await page.getByLabel('Signing certificate (PEM)').inputValue();
    expect(ssoEndpoint).toMatch(/\/cdn-cgi\/access\/sso\/saml\/[0-9a-f]{64}$/);
    expect(await page.locator('#metadata-url').getAttribute('href')).toBe(`${ssoEndpoint}/saml-metadata`);
    expect(await page.getByLabel('Signing certificate (PEM)').getAttribute('readonly')).not.toBeNull();

    // The .crt download replaces the guide's "wrap it in BEGIN/END CERTIFICATE and save it" step.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download certificate (.crt)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.crt$/);
    const crt = readFileSync(await download.path());
    const cert = new X509Certificate(crt);
    expect(cert.fingerprint256).toBe(sha256);
    expect(cert.fingerprint).toBe(sha1);
    expect(crt.toString('utf8')).toBe(pemOnPage);
    const headers = (await admin.context.request.get(`${gh.base}/dashboard/applications/${appId}/certificate.crt`)).headers();
    expect(headers['content-type']).toBe('application/x-x509-ca-cert');
    expect(headers['content-disposition']).toMatch(/^attachment; filename="[A-Za-z0-9._-]+\.crt"$/);

    // The app as the API has it.
    const app = (await gh.api(`/apps/${appId}`)).body.result;
    expect(app.saas_app).toMatchObject({ sp_entity_id: SP_ENTITY, consumer_service_url: acsUrl, name_id_format: 'email', sso_endpoint: ssoEndpoint, idp_entity_id: idpEntityId });
    expect(app.allowed_idps).toHaveLength(1);
    expect(app.policies).toHaveLength(1);
    expect(app.policies[0]).toMatchObject({ decision: 'allow', include: [{ email: { email: ADMIN } }] });

    // The list shows it.
    await page.getByRole('link', { name: 'Back to applications' }).click();
    const row = page.getByRole('row', { name: /Amazon AWS/ });
    expect(await row.textContent()).toContain(ssoEndpoint);
    expect(await row.textContent()).toContain('SaaS (SAML)');

    // AWS starts a sign-in (SP-initiated): Chromium follows it and is posted into the app.
    const sp = new SAML({
      entryPoint: ssoEndpoint,
      issuer: SP_ENTITY,
      callbackUrl: acsUrl,
      audience: SP_ENTITY,
      idpCert: crt.toString('utf8'),
      idpIssuer: idpEntityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: 'always' as never,
      signatureAlgorithm: 'sha256',
      acceptedClockSkewMs: 60_000,
    });
    await page.goto(await sp.getAuthorizeUrlAsync('relay-aws', undefined, {}));
    if (new URL(page.url()).pathname.startsWith('/cdn-cgi/access/login')) {
      // No session for this app yet: the login page offers the one allowed login method.
      await page.getByRole('link', { name: /^Sign in with / }).first().click();
      await completeOtp(page);
    }
    await page.waitForURL(acsUrl);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Signed in to AWS');
    const post = acs.posts.at(-1)!;
    expect(post.relayState).toBe('relay-aws');
    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: post.samlResponse, RelayState: post.relayState! });
    expect(profile?.nameID).toBe(ADMIN);
    expect(profile?.nameIDFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');

    // Logs shows the sign-in.
    await page.goto(`${gh.base}/dashboard/applications`);
    await page.getByRole('link', { name: 'Logs' }).click();
    const entry = page.getByRole('row', { name: /Amazon AWS/ }).first();
    expect(await entry.textContent()).toContain('Allowed');
    expect(await entry.textContent()).toContain(ADMIN);

    // Delete (POST with the CSRF token) removes it.
    await page.goto(`${gh.base}/dashboard/applications/${appId}`);
    await page.getByRole('button', { name: 'Delete Amazon AWS' }).click();
    await page.waitForURL(`${gh.base}/dashboard/applications?deleted=1`);
    expect(await page.getByRole('status').textContent()).toBe('The application was deleted.');
    expect(await page.getByRole('row', { name: /Amazon AWS/ }).count()).toBe(0);
    expect((await gh.api(`/apps/${appId}`)).status).toBe(404);
  });

  it('shows each signing certificate with its expiry and a 30-day warning, and rolls the certificate over in three steps', async () => {
    const made = await gh.api('/apps', { body: { type: 'saas', name: 'Rollover', saas_app: { sp_entity_id: 'https://rollover.example.test/sp', consumer_service_url: acsUrl } } });
    const appId = made.body.result.id as string;
    const firstId = made.body.result.saas_app.saml_certificates[0].id as string;
    // Set up through the API: the active certificate is one that expires in 20 days.
    const short = (await gh.api(`/apps/${appId}/saml_certificates`, { body: { validity_days: 20 } })).body.result;
    expect((await gh.api(`/apps/${appId}/saml_certificates/${short.id}/activate`, { body: {} })).status).toBe(200);
    const rows = page.locator('#certificates ~ table tbody tr');
    const row = (status: string) => page.locator('#certificates ~ table tbody tr', { hasText: status });

    await page.goto(`${gh.base}/dashboard/applications/${appId}`);
    expect(await page.getByRole('heading', { name: 'Signing certificates' }).isVisible()).toBe(true);
    const warning = page.locator('#certificate-warning');
    expect(await warning.getAttribute('role')).toBe('alert');
    expect(await warning.textContent()).toMatch(/The active certificate \(SHA-256 [0-9A-F:]{11}…\) expires on \d{4}-\d{2}-\d{2}, in 19 days\./);
    expect(await rows.count()).toBe(2);
    expect(await row('Active').textContent()).toContain(short.not_after.slice(0, 10));
    expect(await row('Active').locator('.app-cert-warning').textContent()).toBe('Expires in 19 days');
    expect(await row('Retired').locator('.app-cert-warning').count()).toBe(0);
    expect(await row('Active').getByRole('button').count()).toBe(0);
    await expectAccessible(page, 'the application page with an expiring certificate');

    // The retired certificate is removed first (one click, CSRF-protected form).
    await row('Retired').getByRole('button', { name: /^Remove retired certificate/ }).click();
    await page.waitForURL(`${gh.base}/dashboard/applications/${appId}?certificate=removed#certificates`);
    expect(await page.locator('#certificate-notice').textContent()).toContain('removed');
    expect(await rows.count()).toBe(1);

    // 1. Create a new certificate: pending, published in the metadata, not yet signing.
    await page.getByRole('button', { name: 'Create a new certificate' }).click();
    await page.waitForURL(/certificate=created#certificates$/);
    expect(await page.locator('#certificate-notice').textContent()).toContain('published in the SAML metadata');
    expect(await rows.count()).toBe(2);
    expect(await row('Pending').locator('.app-hint').textContent()).toMatch(/^Expires in 36\d\d days$/);
    expect(await page.getByRole('button', { name: 'Create a new certificate' }).count()).toBe(0);
    const pendingId = (await row('Pending').getAttribute('id'))!.replace('certificate-', '');
    const metadata = await (await fetch(`${made.body.result.saas_app.sso_endpoint}/saml-metadata`)).text();
    expect(metadata.match(/<ds:X509Certificate>/g)).toHaveLength(2);
    // The pending certificate can be downloaded for the service provider before the switch.
    const [download] = await Promise.all([page.waitForEvent('download'), row('Pending').getByRole('link', { name: /^Download pending certificate/ }).click()]);
    expect(download.suggestedFilename()).toBe('Rollover-gatehouse-pending.crt');
    await expectAccessible(page, 'the application page with a pending certificate');

    // 2. Activate it: it signs from now on; the old one is retired; the warning is gone.
    await row('Pending').getByRole('button', { name: /^Activate pending certificate/ }).click();
    await page.waitForURL(/certificate=activated#certificates$/);
    expect(await page.locator('#certificate-notice').textContent()).toContain('signed with it from now on');
    expect(await page.locator('#certificate-warning').count()).toBe(0);
    expect(await row('Active').getAttribute('id')).toBe(`certificate-${pendingId}`);
    expect(await row('Retired').getAttribute('id')).toBe(`certificate-${short.id}`);
    expect((await gh.api(`/apps/${appId}`)).body.result.saas_app.public_key).toBe((await gh.api(`/apps/${appId}/saml_certificates`)).body.result[0].public_key);

    // 3. Remove the old one.
    await row('Retired').getByRole('button', { name: /^Remove retired certificate/ }).click();
    await page.waitForURL(/certificate=removed#certificates$/);
    expect(await rows.count()).toBe(1);
    const left = (await gh.api(`/apps/${appId}/saml_certificates`)).body.result;
    expect(left.map((c: any) => [c.id, c.status])).toEqual([[pendingId, 'active']]);
    expect(left.some((c: any) => c.id === firstId)).toBe(false);

    // A forged step (no CSRF token) is refused and changes nothing.
    const forged = await admin.context.request.post(`${gh.base}/dashboard/applications/${appId}/certificates`, { form: { csrf: 'nope' }, headers: { origin: gh.base }, maxRedirects: 0 });
    expect(forged.status()).toBeGreaterThanOrEqual(400);
    expect((await gh.api(`/apps/${appId}/saml_certificates`)).body.result).toHaveLength(1);
  });

  it('an invalid ACS URL is shown next to its field and the other values are kept', async () => {
    await page.goto(`${gh.base}/dashboard/applications/new/saml`);
    await page.getByLabel('Application name').fill('Wiki');
    await page.getByLabel(/^Assertion Consumer Service URL/).fill('not a url');
    await page.getByLabel(/^Entity ID/).fill('https://wiki.example.test/sp');
    await page.getByLabel('Persistent id (the user\'s unique id)').check();
    await page.getByLabel('Attribute name 1').fill('department');
    await page.getByLabel('Source claim 1').fill('dept');
    await page.getByLabel('Allow this email domain').fill('example.com');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/dashboard/applications');
    await page.getByRole('button', { name: 'Save application' }).click();
    expect((await answer).status()).toBe(400);

    const acsField = page.getByLabel(/^Assertion Consumer Service URL/);
    expect(await acsField.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#consumer_service_url-error').isVisible()).toBe(true);
    expect((await page.locator('#consumer_service_url-error').textContent())!.length).toBeGreaterThan(3);
    expect(await page.getByRole('alert').textContent()).toContain('Assertion Consumer Service URL');
    expect(await acsField.inputValue()).toBe('not a url');
    expect(await page.getByLabel('Application name').inputValue()).toBe('Wiki');
    expect(await page.getByLabel(/^Entity ID/).inputValue()).toBe('https://wiki.example.test/sp');
    expect(await page.getByLabel('Persistent id (the user\'s unique id)').isChecked()).toBe(true);
    expect(await page.getByLabel('Attribute name 1').inputValue()).toBe('department');
    expect(await page.getByLabel('Source claim 1').inputValue()).toBe('dept');
    expect(await page.getByLabel('Allow this email domain').inputValue()).toBe('example.com');
    await expectAccessible(page, 'the add form with errors');
    expect(((await gh.api('/apps')).body.result as any[]).some((a) => a.name === 'Wiki')).toBe(false);
  });

  it('pasted SP metadata fills the entity ID and ACS URL; a DOCTYPE is refused by the hardened parser', async () => {
    await page.goto(`${gh.base}/dashboard/applications/new/saml`);
    await page.getByLabel('Application name').fill('Metadata app');
    await page.getByLabel('Or paste the SP metadata XML').fill('<!DOCTYPE x [<!ENTITY e "x">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://x.test"/>');
    await page.getByLabel('Allow these emails (one per line)').fill(ADMIN);
    await page.getByRole('button', { name: 'Save application' }).click();
    expect(await page.locator('#sp_metadata-error').textContent()).toContain('The metadata was refused');

    const metadata = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://meta.example.test/sp">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://meta.example.test/redirect" index="0"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://meta.example.test/acs" index="1"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
    await page.getByLabel('Or paste the SP metadata XML').fill(metadata);
    await page.getByRole('button', { name: 'Save application' }).click();
    await page.waitForURL(/\/dashboard\/applications\/[0-9a-f-]{36}\?created=1$/);
    const appId = /applications\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const app = (await gh.api(`/apps/${appId}`)).body.result;
    expect(app.saas_app).toMatchObject({ sp_entity_id: 'https://meta.example.test/sp', consumer_service_url: 'https://meta.example.test/acs' });
  });
});
