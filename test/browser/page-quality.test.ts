import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pageHeaders } from '../../src/web/page-layout.js';
import {
  type AxeViolation,
  type CheckedContext,
  chromiumAvailable,
  describeViolations,
  focusableControls,
  horizontalOverflow,
  launchChromium,
  openCheckedContext,
  runAxe,
  saveScreenshot,
  severe,
  tabThrough,
} from '../helpers/chromium.js';
import { type BrowserWorld, signInAtOp, startBrowserWorld } from './browser-fixture.js';

/**
 * The quality bar of each main screen, in real Chromium: the strict CSP holds (no violation reported), axe-core
 * finds no serious or critical violation, the page fits 375px and 1280px wide without scrolling sideways, it has a
 * language, a title, one <main> and one <h1>, and Tab reaches every link and button in order with a visible focus
 * ring. With UPDATE_SCREENSHOTS=1 the screens are saved to docs/screenshots/.
 */
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 375, height: 800 },
] as const;

describe.skipIf(!chromiumAvailable)('main screens in Chromium: CSP, accessibility, layout, keyboard', () => {
  let world: BrowserWorld;
  let browser: Browser;
  const contexts: CheckedContext[] = [];
  /** Every axe finding of every screen, by impact: printed once at the end (serious and critical fail at once). */
  const findings: Array<{ screen: string; viewport: string; violation: AxeViolation }> = [];

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
    if (findings.length > 0) {
      console.info(`[axe] findings below serious:\n${findings.map((f) => `${f.screen} @${f.viewport}: [${f.violation.impact}] ${f.violation.id} — ${f.violation.help}`).join('\n')}`);
    }
    await browser?.close();
    await world?.close();
  });

  /** The checks every main screen must pass, at both widths. */
  const checkScreen = async (page: Page, screen: string, checked: CheckedContext) => {
    const structure = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: any }).document;
      return { lang: d.documentElement.lang as string, title: d.title as string, mains: d.querySelectorAll('main').length as number, h1s: d.querySelectorAll('h1').length as number };
    });
    expect(structure.lang, screen).toBe('en');
    expect(structure.title, screen).toMatch(/\S · Gatehouse$/);
    expect(structure.mains, screen).toBe(1);
    expect(structure.h1s, screen).toBe(1);
    // Gatehouse's stylesheet and the organization's login design (colours only): both external, no inline style.
    expect(await page.locator('link[rel="stylesheet"]').count(), screen).toBe(2);

    for (const viewport of VIEWPORTS) {
      const at = `${screen} @${viewport.width}x${viewport.height}`;
      await page.setViewportSize(viewport);
      const { scrollWidth, innerWidth } = await horizontalOverflow(page);
      expect(scrollWidth, `${at}: the page scrolls sideways`).toBeLessThanOrEqual(innerWidth);

      const violations = await runAxe(page);
      expect(severe(violations), `${at}: axe-core\n${describeViolations(severe(violations))}`).toEqual([]);
      for (const v of violations) findings.push({ screen, viewport: `${viewport.width}`, violation: v });

      const controls = await focusableControls(page);
      const stops = await tabThrough(page, controls.length + 3);
      expect(stops.map((s) => `${s.tag}:${s.text}`), `${at}: Tab order`).toEqual(controls.map((c) => `${c.tag}:${c.text}`));
      for (const s of stops) {
        expect(s.focusVisible, `${at}: ${s.tag} "${s.text}" matches :focus-visible`).toBe(true);
        expect(s.outlineStyle, `${at}: focus ring of ${s.tag} "${s.text}"`).not.toBe('none');
        expect(parseFloat(s.outlineWidth), `${at}: focus ring width of ${s.tag} "${s.text}"`).toBeGreaterThanOrEqual(2);
      }
    }
    await page.setViewportSize(VIEWPORTS[0]);
    checked.assertClean();
  };

  it('the harness catches a CSP violation under the pages’ real CSP header', async () => {
    const checked = await newContext();
    const page = await checked.newPage();
    await page.route(`${world.gh.base}/csp-canary`, (route) =>
      route.fulfill({ status: 200, headers: pageHeaders(), body: '<!doctype html><html lang="en"><title>canary</title><script>document.title="ran"</script><p style="color:red">x</p></html>' }),
    );
    await page.goto(`${world.gh.base}/csp-canary`);
    expect(await page.title()).toBe('canary');
    await expect.poll(() => checked.cspViolations.length).toBeGreaterThanOrEqual(2);
    expect(() => checked.assertClean()).toThrow(/CSP violation: .*script-src 'self'/);
  });

  it('login page (a choice of two login methods)', async () => {
    const checked = await newContext();
    const page = await checked.newPage();
    await page.goto(world.apps.Wiki.ssoEndpoint);
    await page.waitForURL((u) => u.pathname === '/cdn-cgi/access/login');
    await checkScreen(page, 'login page', checked);
    await saveScreenshot(page, 'login-page');
  });

  it('denial page with its reference id', async () => {
    const checked = await newContext();
    const page = await checked.newPage();
    await page.goto(world.apps.Payroll.ssoEndpoint);
    await signInAtOp(page, world, 'alice@example.com');
    await page.waitForURL((u) => u.pathname === '/cdn-cgi/access/callback');
    expect(await page.locator('#ray-id').textContent()).toMatch(/^[0-9a-f]{16}$/);
    await checkScreen(page, 'denial page', checked);
    await saveScreenshot(page, 'access-denied');
  });

  it('App Launcher', async () => {
    const checked = await newContext();
    const page = await checked.newPage();
    await page.goto(`${world.gh.base}/`);
    await page.getByRole('link', { name: `Sign in with ${world.idps.primaryName}` }).click();
    await signInAtOp(page, world, 'alice@example.com');
    await page.waitForURL(`${world.gh.base}/`);
    await checkScreen(page, 'App Launcher', checked);
    await saveScreenshot(page, 'app-launcher');
    await page.setViewportSize(VIEWPORTS[1]);
    await saveScreenshot(page, 'app-launcher-375');
  });

  it('login method Test result: success and failure', async () => {
    const testLink = async () => {
      const minted = await world.gh.api(`/identity_providers/${world.idps.primary}/test`, { method: 'POST', body: {} });
      expect(minted.status, JSON.stringify(minted.body)).toBe(200);
      return minted.body.result.url as string;
    };
    const checked = await newContext();
    const page = await checked.newPage();
    await page.goto(await testLink());
    await signInAtOp(page, world, 'alice@example.com');
    await page.waitForURL((u) => u.pathname === '/cdn-cgi/access/callback');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your connection works!');
    await checkScreen(page, 'Test result (success)', checked);
    await saveScreenshot(page, 'test-result-success');

    // dave's email is unverified: the failure page, with the reason, the hint and what the OP sent.
    const failed = await (await newContext()).context.newPage();
    await failed.goto(await testLink());
    await signInAtOp(failed, world, 'dave@example.com');
    await failed.waitForURL((u) => u.pathname === '/cdn-cgi/access/callback');
    expect(await failed.getByRole('heading', { level: 1 }).textContent()).toBe('The connection failed');
    await checkScreen(failed, 'Test result (failure)', contexts.at(-1)!);
    await saveScreenshot(failed, 'test-result-failure');
  });

  it('SAML POST page as a browser without a working script sees it', async () => {
    const checked = await newContext();
    // auto-submit.js answers empty: the page must explain itself and offer its button.
    await checked.context.route('**/cdn-cgi/access/assets/auto-submit.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: '' }));
    const page = await checked.newPage();
    await page.goto(world.apps.Grafana.ssoEndpoint);
    await signInAtOp(page, world, 'alice@example.com');
    await page.waitForURL((u) => u.pathname === '/cdn-cgi/access/callback');
    expect(await page.getByRole('button', { name: 'Continue' }).isVisible()).toBe(true);
    await checkScreen(page, 'SAML POST page', checked);
    await saveScreenshot(page, 'saml-post-page');
  });
});
