import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/setup/first-run.js';
import { type CheckedContext, chromiumAvailable, describeViolations, launchChromium, openCheckedContext, runAxe, saveScreenshot, severe } from '../helpers/chromium.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';

/**
 * Access › Policies, Access › Groups and Logs in real Chromium: an administrator signs in (setup link, One-time
 * PIN), builds an Access group and a reusable policy with the rule builder (with JavaScript off, "Add a rule" is a
 * round trip that keeps what was typed), sees API errors next to the rule they belong to, and filters the log and
 * opens an entry. Every screen keeps the strict CSP and has no serious or critical axe finding.
 */
const [sqlite] = await dialectCases();

describe.skipIf(!chromiumAvailable)('dashboard: Access › Policies, Groups and Logs in Chromium', () => {
  let gh: RunningGatehouse;
  let browser: Browser;
  let admin: CheckedContext;
  let adminPage: Page;
  let groupId: string;
  const contexts: CheckedContext[] = [];

  const newContext = async (options: Parameters<typeof openCheckedContext>[1] = {}) => {
    const c = await openCheckedContext(browser, options);
    contexts.push(c);
    return c;
  };

  /** axe-core on the page as it is now: no serious or critical violation. */
  const accessible = async (page: Page, screen: string) => {
    const found = severe(await runAxe(page));
    expect(found, `${screen}:\n${describeViolations(found)}`).toEqual([]);
    await saveScreenshot(page, `access-policies-suite-${screen}`);
  };

  /** Signs `email` in through the login page and the One-time PIN (development mailer: the code is in the log). */
  const signIn = async (page: Page, email: string) => {
    await page.goto(`${gh.base}/dashboard`);
    await page.getByRole('link', { name: 'Sign in with One-time PIN' }).click();
    await page.getByLabel('Email address').fill(email);
    const before = gh.logs.length;
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('Code').waitFor();
    let code: string | undefined;
    await expect
      .poll(() => {
        const line = gh.logs.slice(before).find((l) => l.event === 'mail.development_log' && String(l.to).toLowerCase() === email);
        code = /is (\d{6})\./.exec(String(line?.text))?.[1];
        return code;
      })
      .toMatch(/^\d{6}$/);
    await page.getByLabel('Code').fill(code!);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    gh = await startGatehouse(sqlite!);
    browser = await launchChromium();
    admin = await openCheckedContext(browser);
  });

  afterEach(async () => {
    const open = contexts.splice(0);
    try {
      admin?.assertClean();
      for (const c of open) c.assertClean();
    } finally {
      for (const c of open) await c.close();
    }
  });

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await gh?.close();
  });

  it('the setup link names the administrator, who signs in with a One-time PIN', async () => {
    const token = (await issueSetupToken(gh.db.store, new Date()))!;
    adminPage = await admin.newPage();
    await adminPage.goto(`${gh.base}/cdn-cgi/access/setup?token=${token}`);
    await adminPage.getByLabel('Administrator email addresses (one per line)').fill('admin@example.com');
    await adminPage.getByRole('button', { name: 'Create administrators' }).click();
    await adminPage.getByRole('link', { name: 'Sign in to the dashboard' }).waitFor();
    await signIn(adminPage, 'admin@example.com');
    await adminPage.waitForURL(`${gh.base}/dashboard/applications`);
    expect(await adminPage.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Access › Policies' }).getAttribute('href')).toBe('/dashboard/policies');
  });

  it('creates an Access group with an "Emails ending in" rule', async () => {
    const page = adminPage;
    await page.getByRole('link', { name: 'Access › Groups' }).click();
    await page.getByRole('link', { name: 'Add a group' }).click();
    await page.getByLabel('Group name').fill('Staff members');
    await page.locator('#include-new-kind').selectOption('email_domain');
    await page.locator('button[name="op"][value="add-include"]').click();
    await page.locator('#include-0-email_domain-domain').fill('example.com');
    expect(await page.getByLabel('Group name').inputValue()).toBe('Staff members');
    await page.getByRole('button', { name: 'Save group' }).last().click();
    await page.waitForURL(/\/dashboard\/groups\?saved=/);
    expect(await page.getByRole('status').textContent()).toContain('Staff members');
    expect(await page.getByRole('table', { name: 'Access groups' }).textContent()).toContain('Emails ending in: example.com');
    const groups = (await gh.api('/groups')).body.result as any[];
    const group = groups.find((g) => g.name === 'Staff members');
    expect(group).toMatchObject({ include: [{ email_domain: { domain: 'example.com' } }], exclude: [], require: [] });
    groupId = group.id;
    await accessible(page, 'groups');
  });

  it('builds the reusable policy "Staff" with JavaScript disabled: "Add a rule" round trips keep what was typed', async () => {
    const noJs = await newContext({ javaScriptEnabled: false, storageState: await admin.context.storageState() });
    const page = await noJs.newPage();
    await page.goto(`${gh.base}/dashboard/policies`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Policies');
    await page.getByRole('link', { name: 'Add a policy' }).click();
    await page.getByLabel('Policy name').fill('Staff');
    await page.getByLabel('Action').selectOption({ label: 'Allow' });
    await page.getByLabel('Session duration').fill('12h');

    // include: group → Staff members (a round trip: the form comes back with one more row, and the name kept)
    await page.locator('#include-new-kind').selectOption({ label: 'Access group' });
    await page.locator('button[name="op"][value="add-include"]').click();
    expect(await page.getByLabel('Policy name').inputValue()).toBe('Staff');
    expect(await page.getByLabel('Session duration').inputValue()).toBe('12h');
    await page.locator('#include-0-group-id').selectOption({ label: 'Staff members' });

    // exclude: email → someone
    await page.locator('#exclude-new-kind').selectOption('email');
    await page.locator('button[name="op"][value="add-exclude"]').click();
    expect(await page.locator('#include-0-group-id').inputValue()).toBe(groupId);
    await page.locator('#exclude-0-email-email').fill('someone@example.com');

    // require: geo US
    await page.locator('#require-new-kind').selectOption('geo');
    await page.locator('button[name="op"][value="add-require"]').click();
    await page.locator('#require-0-geo-country_code').fill('US');

    // A row added and removed again, and one left empty: neither is saved.
    await page.locator('#include-new-kind').selectOption('ip');
    await page.locator('button[name="op"][value="add-include"]').click();
    await page.locator('#include-1-ip-ip').fill('198.51.100.7');
    await page.locator('button[name="op"][value="remove-include-1"]').click();
    expect(await page.locator('#include-1-ip-ip').count()).toBe(0);
    await page.locator('#include-new-kind').selectOption('email');
    await page.locator('button[name="op"][value="add-include"]').click();
    expect(await page.locator('#include-1-email-email').inputValue()).toBe('');

    expect(await page.locator('#exclude-0-email-email').inputValue()).toBe('someone@example.com');
    expect(await page.locator('#require-0-geo-country_code').inputValue()).toBe('US');
    expect(await page.getByLabel('Policy name').inputValue()).toBe('Staff');

    await page.getByRole('button', { name: 'Save policy' }).last().click();
    await page.waitForURL(/\/dashboard\/policies\?saved=/);
    const table = page.getByRole('table', { name: 'Reusable policies' });
    expect(await table.getByRole('link', { name: 'Staff', exact: true }).count()).toBe(1);
    expect(await table.textContent()).toContain('Access group: Staff members');

    const saved = ((await gh.api('/policies')).body.result as any[]).find((p) => p.name === 'Staff');
    expect(saved).toMatchObject({
      name: 'Staff',
      decision: 'allow',
      session_duration: '12h',
      include: [{ group: { id: groupId } }],
      exclude: [{ email: { email: 'someone@example.com' } }],
      require: [{ geo: { country_code: 'US' } }],
    });
    // axe runs through page.evaluate, which needs JavaScript: the same screens, checked in the admin's context.
    await adminPage.goto(`${gh.base}/dashboard/policies`);
    await accessible(adminPage, 'policies');
    await adminPage.goto(`${gh.base}/dashboard/policies/${saved.id}`);
    expect(await adminPage.locator('#require-0-geo-country_code').inputValue()).toBe('US');
    await accessible(adminPage, 'policy-form');
    expect(Object.keys(saved).sort()).toEqual(['app_count', 'created_at', 'decision', 'exclude', 'id', 'include', 'name', 'require', 'reusable', 'session_duration', 'uid', 'updated_at']);
   });

  it('an invalid IP rule is refused: the error is shown next to its row, and the form keeps what was typed', async () => {
    const page = adminPage;
    await page.goto(`${gh.base}/dashboard/policies`);
    await page.getByRole('table', { name: 'Reusable policies' }).getByRole('link', { name: 'Staff', exact: true }).click();
    expect(await page.locator('#include-0-group-id').inputValue()).toBe(groupId);
    await page.locator('#include-new-kind').selectOption('ip');
    await page.locator('button[name="op"][value="add-include"]').click();
    await page.locator('#include-1-ip-ip').fill('300.1.2.3');
    await page.getByLabel('Policy name').fill('Staff (edited)');
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Save policy' }).last().click()]);
    expect(response.status()).toBe(400);
    await page.getByRole('alert').first().waitFor();
    const row = page.locator('#include-1-row');
    expect(await row.locator('.pol-errors').textContent()).toMatch(/must be an IPv4 or IPv6 address or CIDR range/);
    expect(await page.locator('#include-0-row .pol-errors').count()).toBe(0);
    expect(await page.locator('#include-1-ip-ip').inputValue()).toBe('300.1.2.3');
    expect(await page.locator('#include-1-ip-ip').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Policy name').inputValue()).toBe('Staff (edited)');
    expect(await page.locator('#exclude-0-email-email').inputValue()).toBe('someone@example.com');
    await accessible(page, 'policy-form-error');
    // Nothing was stored.
    expect(((await gh.api('/policies')).body.result as any[]).some((p) => p.name === 'Staff (edited)')).toBe(false);
  });

  it('Logs: the email filter shows only that user’s attempts, and the detail view shows every field and the reasons', async () => {
    const mallory = await newContext();
    const malloryPage = await mallory.newPage();
    await signIn(malloryPage, 'mallory@example.com');
    await malloryPage.getByRole('heading', { level: 1, name: 'Access denied' }).waitFor();

    const page = adminPage;
    await page.goto(`${gh.base}/dashboard/logs`);
    await accessible(page, 'logs');
    await page.getByLabel('User email contains').fill('mallory');
    await page.getByLabel('Result').selectOption('denied');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/email=mallory/);
    const rows = page.getByRole('table', { name: 'Sign-in attempts matching the filters' }).locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const user of await rows.locator('td:nth-child(2)').allTextContents()) expect(user).toBe('mallory@example.com');
    expect(await page.getByLabel('User email contains').inputValue()).toBe('mallory');
    await accessible(page, 'logs-filtered');

    await page.getByLabel('User email contains').fill('admin@example.com');
    await page.getByLabel('Result').selectOption('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/email=admin/);
    const adminUsers = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(adminUsers.length).toBeGreaterThan(0);
    expect(new Set(adminUsers)).toEqual(new Set(['admin@example.com']));

    const entry = ((await gh.api('/logs/access_requests?email=mallory@example.com&email_exact=true')).body.result as any[])[0];
    expect(entry.reasons.length).toBeGreaterThan(0);
    await page.goto(`${gh.base}/dashboard/logs?email=mallory`);
    await page.getByRole('link', { name: `View attempt ${entry.ray_id}` }).click();
    await page.waitForURL(`${gh.base}/dashboard/logs/${entry.ray_id}`);
    const facts = await page.locator('dl').textContent();
    for (const label of ['User', 'IP address', 'Country', 'Application', 'Login method type', 'Result', 'Decision', 'Policy', 'Reasons', 'Error code', 'Time (UTC)']) expect(facts).toContain(label);
    expect(facts).toContain('mallory@example.com');
    expect(facts).toContain(entry.ip_address);
    expect(facts).toContain('Gatehouse dashboard');
    expect(facts).toContain('Denied');
    for (const reason of entry.reasons as string[]) expect(await page.locator('.log-reasons').textContent()).toContain(reason);
    expect(facts).toContain(String(entry.error_code));
    await accessible(page, 'log-detail');
  });

  it('deletes a policy and a group through their lists', async () => {
    const page = adminPage;
    await page.goto(`${gh.base}/dashboard/policies`);
    await page.getByRole('button', { name: 'Delete Staff' }).click();
    await page.waitForURL(/deleted=/);
    expect(((await gh.api('/policies')).body.result as any[]).some((p) => p.name === 'Staff')).toBe(false);
    await page.goto(`${gh.base}/dashboard/groups`);
    await page.getByRole('button', { name: 'Delete Staff members' }).click();
    await page.waitForURL(/deleted=/);
    expect(((await gh.api('/groups')).body.result as any[]).some((g) => g.name === 'Staff members')).toBe(false);
  });
});
