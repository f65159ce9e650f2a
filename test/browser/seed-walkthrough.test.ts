import { SAML } from '@node-saml/node-saml';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/setup/first-run.js';
import { type CheckedContext, chromiumAvailable, launchChromium, openCheckedContext } from '../helpers/chromium.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { startRecordingAcs } from './recording-acs.js';
import { type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';

/**
 * The issue's "Done means", in one continuous walk through real Chromium: a new user opens the link `npm start`
 * prints, names the administrator, signs in with a One-time PIN, and — following only the seed pages' click paths,
 * never an API call or a curl command — adds Amazon Cognito as an OpenID Connect login method (a real OpenID
 * Provider plays Cognito) and tests it, adds Amazon AWS as a SaaS SAML application (node-saml plays IAM Identity
 * Center, with a tiny ACS on loopback) and hands AWS the values the application page shows. AWS's sign-in then
 * reaches the ACS with an assertion node-saml verifies, the Logs show it with its reason, and a user outside the
 * policy is refused with a reference the Logs know. Every context is checked for CSP violations and page errors.
 */
const [sqlite] = await dialectCases();

const ADMIN = 'admin@example.com';
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230000';
const LOGIN_METHOD = 'Amazon Cognito';


describe.skipIf(!chromiumAvailable)('the seed walkthrough in Chromium: AWS IAM Identity Center with Cognito, from the printed link', () => {
  let gh: RunningGatehouse;
  let op: OidcPeer;
  let browser: Browser;
  let acs: Awaited<ReturnType<typeof startRecordingAcs>>;
  let acsUrl: string;
  const contexts: CheckedContext[] = [];

  beforeAll(async () => {
    gh = await startGatehouse(sqlite!);
    op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });
    acs = await startRecordingAcs();
    acsUrl = acs.url;
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await acs?.close();
    await op?.close();
    await gh?.close();
  });

  const fresh = async () => {
    const c = await openCheckedContext(browser);
    contexts.push(c);
    return c;
  };

  /**
   * At the OP's hosted login form (Cognito's hosted UI stand-in): type the credentials and submit. The peer's form has
   * no labels (it is the third party's page, not Gatehouse's), so its fields are found by their names.
   */
  const signInAtOp = async (p: Page, email: string, password: string) => {
    await p.waitForURL((u) => u.origin === op.issuer);
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    await p.locator('input[name="username"]').fill(email);
    await p.locator('input[name="password"]').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };

  it(
    'setup link → One-time PIN → Cognito login method (tested) → Amazon AWS app → AWS sign-in verified → Logs; an outsider is denied',
    async () => {
      // 1. The first run: the link `npm start` prints, the administrator named, the One-time PIN from the mail log.
      const admin = await fresh();
      const page = await admin.newPage();
      const token = (await issueSetupToken(gh.db.store, new Date()))!;
      expect(token).toBeTruthy();
      await page.goto(`${gh.base}/cdn-cgi/access/setup?token=${token}`);
      await page.getByLabel('Administrator email addresses (one per line)').fill(ADMIN);
      await page.getByRole('button', { name: 'Create administrators' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Gatehouse is set up');
      await page.getByRole('link', { name: 'Sign in to the dashboard' }).click();
      await page.waitForURL((u) => u.pathname === '/cdn-cgi/access/login');
      await page.getByRole('link', { name: /One-time PIN/ }).click();
      await page.getByLabel('Email address').fill(ADMIN);
      const before = gh.logs.length;
      await page.getByRole('button', { name: 'Send me a code' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Enter your code');
      let code: string | undefined;
      await expect
        .poll(() => {
          const line = gh.logs.slice(before).find((l) => l.event === 'mail.development_log' && l.to === ADMIN);
          code = /is (\d{6})\./.exec(String(line?.text))?.[1];
          return code;
        })
        .toMatch(/^\d{6}$/);
      await page.getByLabel('Code').fill(code!);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${gh.base}/dashboard/applications`);
      await expect.poll(() => page.getByText('Signed in as').textContent()).toContain(ADMIN);
      admin.assertClean();

      // 2. Settings › Authentication → Add new → Amazon Cognito (OpenID Connect), with the OP's values; then Test.
      const nav = page.getByRole('navigation', { name: 'Dashboard' });
      await nav.getByRole('link', { name: 'Settings › Authentication', exact: true }).click();
      await page.waitForURL(`${gh.base}/dashboard/authentication`);
      const addNew = page.getByRole('list', { name: 'Add new' });
      expect(await addNew.getByRole('link', { name: /^OpenID Connect/ }).count()).toBe(1);
      await addNew.getByRole('link', { name: /^Amazon Cognito/ }).click();
      await page.waitForURL(`${gh.base}/dashboard/authentication/new/oidc?template=cognito`);
      // The template explains the redirect URL Cognito's app client needs.
      expect(await page.locator('main').textContent()).toContain(`${gh.base}/cdn-cgi/access/callback`);
      await page.getByLabel('Name', { exact: true }).fill(LOGIN_METHOD);
      await page.getByLabel('App (client) ID').fill(op.clientId);
      await page.getByLabel('Client secret').fill(op.clientSecret);
      await page.getByLabel('Auth URL').fill(op.authUrl);
      await page.getByLabel('Token URL').fill(op.tokenUrl);
      await page.getByLabel('Certificate (key) URL').fill(op.certsUrl);
      await page.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain(`“${LOGIN_METHOD}” saved`);

      await nav.getByRole('link', { name: 'Settings › Authentication', exact: true }).click();
      await page.waitForURL(`${gh.base}/dashboard/authentication`);
      const [popup] = await Promise.all([admin.context.waitForEvent('page'), page.getByRole('button', { name: `Test ${LOGIN_METHOD}` }).click()]);
      await signInAtOp(popup, 'alice@example.com', 'alice-pw');
      await expect.poll(() => popup.getByRole('heading', { level: 1 }).textContent(), { timeout: 15_000 }).toBe('Your connection works!');
      expect(await popup.getByText('"email": "alice@example.com"').count()).toBe(1);
      await popup.close();
      admin.assertClean();

      // 3. Access › Applications → Add an application → Amazon AWS, with AWS's ACS URL and issuer URL.
      await nav.getByRole('link', { name: 'Access › Applications', exact: true }).click();
      await page.waitForURL(`${gh.base}/dashboard/applications`);
      await page.getByRole('link', { name: 'Add an application' }).click();
      await page.getByRole('link', { name: /^Amazon AWS/ }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Add Amazon AWS');
      await page.getByLabel(/^Assertion Consumer Service URL/).fill(acsUrl);
      await page.getByLabel(/^Entity ID/).fill(SP_ENTITY);
      expect(await page.getByLabel('Email', { exact: true }).isChecked()).toBe(true);
      const loginMethods = page.getByRole('group', { name: 'Login methods allowed' });
      const methodBoxes = loginMethods.getByRole('checkbox');
      for (let i = 0; i < (await methodBoxes.count()); i++) await methodBoxes.nth(i).uncheck();
      await loginMethods.getByLabel(new RegExp(`^${LOGIN_METHOD}`)).check();
      await page.getByLabel(/^Instant authentication/).check();
      await page.getByLabel('Allow these emails or this email domain').check();
      await page.getByLabel('Allow this email domain').fill('example.com');
      await page.getByRole('button', { name: 'Save application' }).click();
      await page.waitForURL(/\/dashboard\/applications\/[0-9a-f-]{36}\?created=1$/);
      expect(await page.getByRole('status').textContent()).toContain('saved');

      // The application page: what AWS's "Manage SAML 2.0 authentication" step asks for.
      /** The value shown under a term of the page's fact lists, as a reader finds it. */
      const fact = async (term: string) =>
        (await page.getByRole('term').filter({ hasText: new RegExp(`^${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).locator('xpath=following-sibling::dd[1]').textContent())!.trim();
      const ssoEndpoint = await fact('SSO endpoint');
      const idpEntityId = await fact('Access Entity ID or Issuer');
      const idpCert = await page.getByLabel('Signing certificate (PEM)').inputValue();
      expect(ssoEndpoint).toMatch(new RegExp(`^${gh.base.replace(/[.]/g, '\\.')}/cdn-cgi/access/sso/saml/[0-9a-f]{64}$`));
      expect(idpEntityId.length).toBeGreaterThan(0);
      expect(idpCert).toContain('-----BEGIN CERTIFICATE-----');
      expect(await fact('Login methods')).toBe(LOGIN_METHOD);
      expect(await fact('Name ID format')).toBe('Email');
      expect(await fact('Assertion Consumer Service URL')).toBe(acsUrl);
      expect(await fact('Entity ID')).toBe(SP_ENTITY);
      admin.assertClean();

      const sp = new SAML({
        entryPoint: ssoEndpoint,
        issuer: SP_ENTITY,
        callbackUrl: acsUrl,
        audience: SP_ENTITY,
        idpCert,
        idpIssuer: idpEntityId,
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: true,
        validateInResponseTo: 'always' as never,
        signatureAlgorithm: 'sha256',
        acceptedClockSkewMs: 60_000,
      });

      // 4. AWS starts a sign-in in a browser without any session: straight to Cognito, then posted into AWS.
      const alice = await fresh();
      const ap = await alice.newPage();
      await ap.goto(await sp.getAuthorizeUrlAsync('relay-aws', undefined, {}));
      await signInAtOp(ap, 'alice@example.com', 'alice-pw');
      await ap.waitForURL(acsUrl, { timeout: 15_000 });
      expect(await ap.getByRole('heading', { level: 1 }).textContent()).toBe('Signed in to AWS');
      const post = acs.posts.at(-1)!;
      expect(post.relayState).toBe('relay-aws');
      const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: post.samlResponse, RelayState: post.relayState! });
      expect(profile?.nameID).toBe('alice@example.com');
      expect(profile?.nameIDFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      alice.assertClean();

      // 5. Logs: alice's sign-in to Amazon AWS, Allowed, and why.
      await nav.getByRole('link', { name: 'Logs', exact: true }).click();
      await page.waitForURL(`${gh.base}/dashboard/logs`);
      const aliceRow = page.getByRole('row').filter({ hasText: 'alice@example.com' }).filter({ hasText: 'Amazon AWS' }).first();
      expect(await aliceRow.getByRole('cell', { name: 'Allowed', exact: true }).count()).toBe(1);
      await aliceRow.getByRole('link', { name: /^View/ }).click();
      await page.waitForURL(/\/dashboard\/logs\/[^/]+$/);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign-in attempt');
      expect(await fact('User')).toBe('alice@example.com');
      expect(await fact('Application')).toBe('Amazon AWS');
      expect(await fact('Login method')).toBe(LOGIN_METHOD);
      expect(await fact('Result')).toBe('Allowed');
      expect(await fact('Reasons')).toContain('email_domain-ok');
      admin.assertClean();

      // 6. carol@example.org is a Cognito user, but outside the policy: Access denied, with a reference the Logs know.
      const carol = await fresh();
      const cp = await carol.newPage();
      const posts = acs.posts.length;
      await cp.goto(await sp.getAuthorizeUrlAsync('relay-carol', undefined, {}));
      await signInAtOp(cp, 'carol@example.org', 'carol-pw');
      await cp.waitForURL((u) => u.origin === new URL(gh.base).origin, { timeout: 15_000 });
      await expect.poll(() => cp.getByRole('heading', { level: 1 }).textContent()).toBe('Access denied');
      const ray = (await cp.getByText(/give them this reference/).getByRole('code').textContent())!.trim();
      expect(ray).toMatch(/^[0-9a-zA-Z-]{8,}$/);
      expect(acs.posts.length).toBe(posts);
      carol.assertClean();

      await nav.getByRole('link', { name: 'Logs', exact: true }).click();
      await page.waitForURL(`${gh.base}/dashboard/logs`);
      const carolRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: `View attempt ${ray}` }) });
      expect(await carolRow.count()).toBe(1);
      expect(await carolRow.textContent()).toContain('carol@example.org');
      expect(await carolRow.getByRole('cell', { name: 'Denied', exact: true }).count()).toBe(1);
      await carolRow.getByRole('link', { name: `View attempt ${ray}` }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign-in attempt');
      expect(await fact('User')).toBe('carol@example.org');
      expect(await fact('Application')).toBe('Amazon AWS');
      expect(await fact('Result')).toBe('Denied');
      expect(await fact('Reference (Ray ID)')).toBe(ray);
      admin.assertClean();
    },
    120_000,
  );
});
