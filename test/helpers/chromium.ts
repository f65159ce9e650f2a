import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

/**
 * Real Chromium for the browser tests: Debian's `chromium` package driven by playwright-core. No browser is ever
 * downloaded; where /usr/bin/chromium is missing the suites are skipped, except with CI=true, where that fails.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

function detectChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true requires Chromium at ${CHROMIUM_PATH} (Debian package "chromium"; .ci/run installs it)`);
  console.warn(`[tests] ${CHROMIUM_PATH} not found; the real-browser suites are skipped (they are required when CI=true). Install: apt-get install chromium fonts-dejavu-core`);
  return false;
}

/** Whether the real-browser suites can run here: `describe.skipIf(!chromiumAvailable)`. Throws with CI=true. */
export const chromiumAvailable = detectChromium();

/** Headless Debian Chromium. `--no-sandbox` only when running as root, where Chromium's sandbox refuses to start. */
export async function launchChromium(): Promise<Browser> {
  const args = ['--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args, timeout: 30_000 });
}

export interface CheckedContext {
  context: BrowserContext;
  /** Every CSP violation Chromium reported in this context, as its console text. */
  readonly cspViolations: string[];
  /** Uncaught exceptions of pages in this context (our pages' only script is auto-submit.js). */
  readonly pageErrors: string[];
  newPage(): Promise<Page>;
  /** Throws (failing the test) if Chromium reported any CSP violation or page error since the last call. */
  assertClean(): void;
  close(): Promise<void>;
}

const CSP_CONSOLE = /Content Security Policy/i;

/**
 * A browser context that records every CSP violation, so a test fails when the strict CSP breaks a page, instead of
 * the page silently losing its stylesheet or script. Two independent channels:
 * - the console: Chromium logs "Refused to … because it violates the following Content Security Policy directive"
 *   for every blocked resource, inline script or style and form target; these arrive even with JavaScript disabled;
 * - the DOM `securitypolicyviolation` event, forwarded by an init script through an exposed binding (both run in
 *   Playwright's privileged channel, not as page script, so the page's CSP does not affect them).
 */
export async function openCheckedContext(browser: Browser, options: BrowserContextOptions = {}): Promise<CheckedContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', colorScheme: 'light', ...options });
  // Well under the test timeout, so a stuck step fails with Playwright's own message (which locator, which URL).
  context.setDefaultTimeout(10_000);
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  context.on('console', (msg) => {
    if (CSP_CONSOLE.test(msg.text())) cspViolations.push(`${msg.page()?.url() ?? '?'}: ${msg.text()}`);
  });
  context.on('weberror', (e) => pageErrors.push(`${e.page()?.url() ?? '?'}: ${String(e.error())}`));
  if (options.javaScriptEnabled !== false) {
    await context.exposeBinding('__gatehouseCspViolation', ({ page }, v: string) => {
      cspViolations.push(`${page?.url() ?? '?'}: securitypolicyviolation ${v}`);
    });
    await context.addInitScript(() => {
      const g = globalThis as unknown as { addEventListener(t: string, f: (e: any) => void, capture: boolean): void; __gatehouseCspViolation(v: string): void };
      g.addEventListener(
        'securitypolicyviolation',
        (e: { violatedDirective: string; blockedURI: string; sourceFile: string }) => g.__gatehouseCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile || 'document'})`),
        true,
      );
    });
  }
  return {
    context,
    cspViolations,
    pageErrors,
    newPage: () => context.newPage(),
    assertClean() {
      const problems = [...cspViolations.map((v) => `CSP violation: ${v}`), ...pageErrors.map((e) => `page error: ${e}`)];
      cspViolations.length = 0;
      pageErrors.length = 0;
      if (problems.length > 0) throw new Error(`Chromium reported:\n${problems.join('\n')}`);
    },
    close: () => context.close(),
  };
}

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.0–2.2 A/AA and best practices) on the page as it is now and returns its violations.
 *
 * axe's source is evaluated through Playwright's page.evaluate (DevTools protocol), which the page's CSP does not
 * govern, so the page keeps its real CSP: `bypassCSP` would switch the policy off for the whole context and hide
 * the violations this suite exists to catch, and a `<script>` tag with inline content is exactly what the CSP
 * (rightly) refuses.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: unknown[] }> } }).axe;
    const doc = (globalThis as unknown as { document: unknown }).document;
    return axe.run(doc, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
  });
  return (results.violations as Array<AxeViolation & { nodes: Array<{ target: string[]; failureSummary?: string }> }>).map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, ...(n.failureSummary ? { failureSummary: n.failureSummary } : {}) })),
  }));
}

/** The violations a screen may not have: `serious` and `critical`. */
export function severe(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Human-readable axe findings for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');
}

/** Layout facts at the current viewport: whether the document scrolls sideways. */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return { scrollWidth: g.document.documentElement.scrollWidth, innerWidth: g.innerWidth };
  });
}

export interface FocusStop {
  tag: string;
  /** The type attribute of an input, if any. */
  type: string | null;
  text: string;
  href: string | null;
  focusVisible: boolean;
  outlineStyle: string;
  outlineWidth: string;
}

/**
 * Presses Tab from the top of the page until focus leaves the document or comes back round, recording each element
 * that received focus, whether it matches :focus-visible and its computed outline.
 */
export async function tabThrough(page: Page, max = 40): Promise<FocusStop[]> {
  // Start from the top: focus the root element for a moment (blur alone leaves Chromium's sequential focus
  // navigation starting point where the last focused element was).
  await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { tabIndex: number; focus(): void; removeAttribute(n: string): void } } }).document.documentElement;
    root.tabIndex = -1;
    root.focus();
    root.removeAttribute('tabindex');
  });
  const stops: FocusStop[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { activeElement: any; body: unknown; documentElement: unknown };
        getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string };
      };
      const el = g.document.activeElement;
      if (!el || el === g.document.body || el === g.document.documentElement) return null;
      const style = g.getComputedStyle(el);
      return {
        tag: String(el.tagName).toLowerCase(),
        type: el.getAttribute('type') as string | null,
        text: String(el.textContent ?? '').trim().replace(/\s+/g, ' '),
        href: el.getAttribute('href') as string | null,
        focusVisible: Boolean(el.matches(':focus-visible')),
        outlineStyle: style.outlineStyle,
        outlineWidth: style.outlineWidth,
      };
    });
    if (!stop) break;
    if (stops.length > 0 && stops[0]!.tag === stop.tag && stops[0]!.text === stop.text && stops[0]!.href === stop.href) break;
    stops.push(stop);
  }
  return stops;
}

/** The links and buttons a keyboard user must be able to reach, in document order. */
export async function focusableControls(page: Page): Promise<Array<{ tag: string; text: string }>> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<any> } };
    return Array.from(g.document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea')).map((el) => ({
      tag: String(el.tagName).toLowerCase(),
      text: String(el.textContent ?? '').trim().replace(/\s+/g, ' '),
    }));
  });
}

const SCREENSHOT_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** Saves a screenshot to docs/screenshots/<name>.png, only when UPDATE_SCREENSHOTS=1 (never on ordinary runs). */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const path = `${SCREENSHOT_DIR}${name}.png`;
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
}
