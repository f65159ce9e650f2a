import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CheckedContext, chromiumAvailable, launchChromium, openCheckedContext } from '../helpers/chromium.js';
import { acsPostFor, type BrowserWorld, signInAtOp, startBrowserWorld } from './browser-fixture.js';

/**
 * The users' click paths in real Chromium (Debian's, through playwright-core) against a real Gatehouse and a real
 * OpenID Provider: IdP-initiated SSO through the login page to the app's ACS, a denial with its reference id, the
 * App Launcher, and all of it again with JavaScript switched off. Every context fails the test on a CSP violation.
 */
describe.skipIf(!chromiumAvailable)('sign-in click paths in Chromium', () => {
  let world: BrowserWorld;
  let browser: Browser;
  const contexts: CheckedContext[] = [];

  const newContext = async (options: { javaScriptEnabled?: boolean } = {}) => {
    const c = await openCheckedContext(browser, options);
    contexts.push(c);
    return c;
  };

  beforeAll(async () => {
    world = await startBrowserWorld();
    browser = await launchChromium();
  });

  afterEach(async () => {
    const open = contexts.splice(0);
    try {
      for (const c of open) c.assertClean();
    } finally {
      for (const c of open) await c.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('IdP-initiated SSO: login page with a choice of two login methods → OP → the signed SAMLResponse auto-posts to the ACS', async () => {
    const { context } = await newContext();
    const page = await context.newPage();
    await page.goto(world.apps.Wiki.ssoEndpoint);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/cdn-cgi/access/login');
    expect(await page.title()).toBe('Sign in to Wiki · Gatehouse');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Wiki');
    const methods = page.getByRole('list', { name: 'Login methods' }).getByRole('link');
    expect(await methods.allTextContents()).toEqual([`Sign in with ${world.idps.primaryName}`, `Sign in with ${world.idps.backupName}`]);

    await page.getByRole('link', { name: `Sign in with ${world.idps.primaryName}` }).click();
    await signInAtOp(page, world, 'alice@example.com');
    // Gatehouse's callback answers with the SAML POST page; auto-submit.js posts it to the ACS at once.
    const post = await acsPostFor(page, world, 'Wiki');
    expect(post.nameId).toBe('alice@example.com');
    expect(post.samlResponse.length).toBeGreaterThan(1000);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Signed in to Wiki');
  });

  it('with one login method and auto_redirect_to_identity, the SSO endpoint goes straight to the OP', async () => {
    const { context } = await newContext();
    const page = await context.newPage();
    const visited: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) visited.push(f.url());
    });
    await page.goto(world.apps.Grafana.ssoEndpoint);
    await page.waitForURL((u) => u.origin === world.op.issuer);
    expect(visited.some((u) => new URL(u).pathname === '/cdn-cgi/access/login')).toBe(false);
    await signInAtOp(page, world, 'alice@example.com');
    expect((await acsPostFor(page, world, 'Grafana')).nameId).toBe('alice@example.com');
  });

  it('a denied user sees the denial page with a reference id, and the same id is in the authentication log', async () => {
    const { context } = await newContext();
    const page = await context.newPage();
    const denied = page.waitForResponse((r) => new URL(r.url()).pathname === '/cdn-cgi/access/callback');
    await page.goto(world.apps.Payroll.ssoEndpoint);
    await signInAtOp(page, world, 'alice@example.com');
    expect((await denied).status()).toBe(403);
    expect(await page.title()).toBe('Access denied · Gatehouse');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Access denied');
    const rayId = (await page.locator('#ray-id').textContent())!.trim();
    expect(rayId).toMatch(/^[0-9a-f]{16}$/);
    const logs = await world.gh.api('/logs/access_requests');
    expect(logs.status).toBe(200);
    const entry = (logs.body.result as any[]).find((l) => l.ray_id === rayId);
    expect(entry).toMatchObject({ user_email: 'alice@example.com', allowed: false, app_uid: world.apps.Payroll.id, error_code: 'ACCESS_DENIED' });
    expect(world.acsPosts.some((p) => p.app === 'Payroll')).toBe(false);
  });

  it('the App Launcher lists exactly the allowed apps, and a tile lands the SAML POST at that app’s ACS', async () => {
    const { context } = await newContext();
    const page = await context.newPage();
    // No session: the team domain root sends the user to sign in to Gatehouse itself, then back to the launcher.
    await page.goto(`${world.gh.base}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/cdn-cgi/access/login');
    await page.getByRole('link', { name: `Sign in with ${world.idps.primaryName}` }).click();
    await signInAtOp(page, world, 'alice@example.com');
    await page.waitForURL(`${world.gh.base}/`);
    expect(await page.title()).toBe('Your applications · Gatehouse');
    const tiles = page.getByRole('list', { name: 'Applications' }).getByRole('link');
    // Grafana (alice is an admin) and Wiki; not Payroll (denied) nor Intranet (not launcher-visible).
    expect(await tiles.locator('.tile-name').allTextContents()).toEqual(['Grafana', 'Wiki']);
    expect(await tiles.evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href))).toEqual([world.apps.Grafana.ssoEndpoint, world.apps.Wiki.ssoEndpoint]);

    await page.getByRole('link', { name: 'Wiki' }).click();
    expect((await acsPostFor(page, world, 'Wiki')).nameId).toBe('alice@example.com');

    // bob (engineering, not admins) sees only Wiki.
    const bob = await (await newContext()).context.newPage();
    await bob.goto(`${world.gh.base}/`);
    await bob.getByRole('link', { name: `Sign in with ${world.idps.backupName}` }).click();
    await signInAtOp(bob, world, 'bob@example.com');
    await bob.waitForURL(`${world.gh.base}/`);
    expect(await bob.getByRole('list', { name: 'Applications' }).getByRole('link').count()).toBe(1);
    expect(await bob.getByRole('link', { name: 'Wiki' }).getAttribute('href')).toBe(world.apps.Wiki.ssoEndpoint);
  });

  describe('with JavaScript disabled', () => {
    it('the login page and the launcher work, and the SAML POST page posts with its button', async () => {
      const { context } = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(world.apps.Wiki.ssoEndpoint);
      await expect.poll(() => new URL(page.url()).pathname).toBe('/cdn-cgi/access/login');
      await page.getByRole('link', { name: `Sign in with ${world.idps.primaryName}` }).click();
      await signInAtOp(page, world, 'alice@example.com');

      // No script ran: the SAML POST page waits for the user, says why, and its button posts the form.
      await expect.poll(() => page.title()).toBe('Signing in to Wiki · Gatehouse');
      expect(await page.getByText('If nothing happens, press Continue.').isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Continue' }).isVisible()).toBe(true);
      const before = world.acsPosts.length;
      await page.waitForTimeout(300);
      expect(world.acsPosts.length).toBe(before);
      await page.getByRole('button', { name: 'Continue' }).click();
      expect((await acsPostFor(page, world, 'Wiki')).nameId).toBe('alice@example.com');

      // The launcher, in the same (signed-in) browser: tiles are plain links to the SSO endpoints.
      await page.goto(`${world.gh.base}/`);
      expect(await page.title()).toBe('Your applications · Gatehouse');
      await page.getByRole('link', { name: 'Grafana' }).click();
      await expect.poll(() => page.title()).toBe('Signing in to Grafana · Gatehouse');
      await page.getByRole('button', { name: 'Continue' }).click();
      expect((await acsPostFor(page, world, 'Grafana')).nameId).toBe('alice@example.com');

      // Sign out is a form button, too.
      await page.goto(`${world.gh.base}/`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are signed out');
    });
  });
});
