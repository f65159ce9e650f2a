import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestBrowser } from '../helpers/test-browser.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where the shared peer scripts live: GATEHOUSE_PEERS_DIR, else `../shared/peers` beside the repository (the
 * workspace layout), else the workspace's absolute path (a clone elsewhere, e.g. the CI check in /tmp).
 */
export function peersDir(): string | undefined {
  const candidates = [process.env.GATEHOUSE_PEERS_DIR, join(repoRoot, '../shared/peers'), '/work/shared/peers'];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'simplesamlphp/start.sh')));
}

/** Whether the SimpleSAMLphp peer can run here. Under CI=true it must: tests fail instead of skipping. */
export function simpleSamlPhpAvailable(): boolean {
  const ok = peersDir() !== undefined;
  if (!ok && process.env.CI === 'true') throw new Error('CI=true but the SimpleSAMLphp peer scripts (../shared/peers) were not found; set GATEHOUSE_PEERS_DIR');
  return ok;
}

export interface SimpleSamlPhpIdp {
  base: string;
  entityId: string;
  metadataUrl: string;
  ssoUrl: string;
  /** The IdP's signing certificate (PEM), created at first start. */
  certificatePem: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's SimpleSAMLphp 1.19 as a SAML IdP on 127.0.0.1 (standing in for IAM Identity Center), trusting
 * the given SP metadata URLs (fetched again on every request). Users: alice/alice123, bob/bob123, carol/carol123.
 */
export async function startSimpleSamlPhpIdp(
  port: number,
  spMetadataUrls: string[],
  options: { env?: Record<string, string>; stateDir?: string } = {},
): Promise<SimpleSamlPhpIdp & { stateDir: string }> {
  const dir = peersDir();
  if (!dir) throw new Error('SimpleSAMLphp peer scripts not found');
  // Reusing a state directory keeps the IdP's signing key across restarts (start.sh creates it only if missing).
  const state = options.stateDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-ssp-'));
  const env = options.env ?? {};
  const childEnv = { ...process.env, PORT: String(port), HARNESS_STATE: state, ...env };
  await run(join(dir, 'simplesamlphp/start.sh'), ['idp', ...spMetadataUrls], { env: childEnv, timeout: 600_000 });
  const base = `http://127.0.0.1:${port}`;
  return {
    stateDir: state,
    base,
    entityId: `${base}/simplesaml/saml2/idp/metadata.php`,
    metadataUrl: `${base}/simplesaml/saml2/idp/metadata.php`,
    ssoUrl: `${base}/simplesaml/saml2/idp/SSOService.php`,
    certificatePem: readFileSync(join(state, 'simplesamlphp-idp/cert/idp.crt'), 'utf8'),
    async stop() {
      await run(join(dir, 'simplesamlphp/stop.sh'), ['idp'], { env: childEnv, timeout: 60_000 });
    },
  };
}

/** The user's part at the SimpleSAMLphp login form: fills username and password and submits. */
export async function loginAtSimpleSamlPhp(browser: TestBrowser, page: Response, user: { username: string; password: string }): Promise<Response> {
  const html = await page.text();
  if (!/name="?password/.test(html)) throw new Error(`expected the SimpleSAMLphp login form at ${page.url}, got ${page.status}: ${html.slice(0, 300)}`);
  return browser.submitForm(page.url, html, { username: user.username, password: user.password });
}
