import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/setup/first-run.js';
import { chromiumAvailable, describeViolations, focusableControls, horizontalOverflow, launchChromium, openCheckedContext, runAxe, saveScreenshot, severe, tabThrough } from '../helpers/chromium.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';

/**
 * The first run in real Chromium, as a new user meets it: the printed setup link, naming the first administrator,
 * the One-time PIN sign-in (the development mailer writes the code to the log), and the dashboard, each screen
 * checked for CSP violations, axe findings and layout at 375 and 1280 px.
 */
const [sqlite] = await dialectCases();

describe.skipIf(!chromiumAvailable)('first run in Chromium: setup link, One-time PIN, dashboard', () => {
  let gh: RunningGatehouse;
  let browser: Browser;

  beforeAll(async () => {
    gh = await startGatehouse(sqlite!);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gh?.close();
  });

  const checkScreen = async (page: Page, name: string) => {
    expect(severe(await runAxe(page)), `${name}: ${describeViolations(severe(await runAxe(page)))}`).toEqual([]);
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const { scrollWidth, innerWidth } = await horizontalOverflow(page);
      expect(scrollWidth, `${name} scrolls sideways at ${width}px`).toBeLessThanOrEqual(innerWidth);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    // Keyboard: Tab reaches every control in document order, each with a visible focus ring.
    const controls = await focusableControls(page);
    const stops = await tabThrough(page, controls.length * 6 + 3);
    // A date-time input is several tab stops (one per segment) for one control, so runs of unlabelled-text inputs are
    // compared as runs, on both sides.
    const runs = (list: string[]) => list.filter((v, i, all) => i === 0 || v !== all[i - 1] || !v.startsWith('input:'));
    expect(runs(stops.map((st) => `${st.tag}:${st.text}`)), `${name}: Tab order`).toEqual(runs(controls.map((c) => `${c.tag}:${c.text}`)));
    for (const st of stops) {
      // A date-time field's segments are highlighted natively by Chromium when focused; everything else needs our ring.
      if (st.type === 'datetime-local') continue;
      expect(st.focusVisible && st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2, `${name}: focus ring of ${st.tag} "${st.text}"`).toBe(true);
    }
    await saveScreenshot(page, name);
  };

  const codeFromLog = async (email: string, after: number) => {
    await expect.poll(() => gh.logs.slice(after).some((l) => l.event === 'mail.development_log' && l.to === email)).toBe(true);
    return /is (\d{6})\./.exec(String(gh.logs.slice(after).find((l) => l.event === 'mail.development_log' && l.to === email)!.text))![1]!;
  };

  it('names the first administrator, who signs in with a One-time PIN and reaches the dashboard; others are refused', async () => {
    const token = (await issueSetupToken(gh.db.store, new Date()))!;
    const checked = await openCheckedContext(browser);
    const page = await checked.newPage();

    await page.goto(`${gh.base}/cdn-cgi/access/setup?token=${token}`);
    await checkScreen(page, 'setup');
    await page.getByLabel('Administrator email addresses (one per line)').fill('admin@example.com');
    await page.getByRole('button', { name: 'Create administrators' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Gatehouse is set up');

    await page.getByRole('link', { name: 'Sign in to the dashboard' }).click();
    await expect.poll(() => page.url()).toContain('/cdn-cgi/access/login');
    await checkScreen(page, 'login-dashboard');
    await page.getByRole('link', { name: /One-time PIN/ }).click();
    await checkScreen(page, 'otp-email');
    const before = gh.logs.length;
    await page.getByLabel('Email address').fill('admin@example.com');
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Enter your code');
    await checkScreen(page, 'otp-code');
    await page.getByLabel('Code').fill(await codeFromLog('admin@example.com', before));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/dashboard/applications');
    await expect.poll(() => page.getByText('Signed in as').textContent()).toContain('admin@example.com');
    await checkScreen(page, 'dashboard-applications');

    for (const [link, path, name] of [
      ['Settings › Authentication', '/dashboard/authentication', 'dashboard-authentication'],
      ['Logs', '/dashboard/logs', 'dashboard-logs'],
      ['API tokens', '/dashboard/tokens', 'dashboard-tokens'],
      ['Settings', '/dashboard/settings', 'dashboard-settings'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: link, exact: true }).click();
      await expect.poll(() => new URL(page.url()).pathname).toBe(path);
      await checkScreen(page, name);
    }

    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'API tokens', exact: true }).click();
    await page.getByLabel('Name of a new token').fill('automation');
    await page.getByRole('button', { name: 'Create token' }).click();
    const apiToken = (await page.locator('#new-token').textContent())!;
    expect(apiToken).toMatch(/^gh_/);
    const api = await fetch(`${gh.base}/client/v4/accounts/${gh.accountId}/access/apps`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect(api.status).toBe(200);
    checked.assertClean();
    await checked.close();

    // Someone who is not an administrator gets the denial page with a reference id.
    const other = await openCheckedContext(browser);
    const page2 = await other.newPage();
    await page2.goto(`${gh.base}/dashboard`);
    await page2.getByRole('link', { name: /One-time PIN/ }).click();
    const before2 = gh.logs.length;
    await page2.getByLabel('Email address').fill('mallory@example.com');
    await page2.getByRole('button', { name: 'Send me a code' }).click();
    await page2.getByLabel('Code').fill(await codeFromLog('mallory@example.com', before2));
    await page2.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page2.getByRole('heading', { level: 1 }).textContent()).toBe('Access denied');
    const ray = (await page2.locator('#ray-id').textContent())!;
    const entry = ((await gh.api('/logs/access_requests?email=mallory@example.com&email_exact=true')).body.result as any[])[0];
    expect(entry).toMatchObject({ ray_id: ray, allowed: false });
    await checkScreen(page2, 'dashboard-denied');
    other.assertClean();
    await other.close();
  });
});
