/**
 * npm run bench: the hot paths, each as a ratio against a ceiling measured in the same run.
 *   1. SSO with a live session (SP-initiated, Redirect binding): signed responses/s over loopback HTTP against one
 *      Gatehouse process, vs node:crypto RSA-2048 signatures/s on one core ÷ 2 signatures per response.
 *   2. get-identity: answers/s vs raw RSA-2048 verifications/s (each answer verifies one RS256 session token), and vs
 *      the same server's HTTP floor (/healthz, a route that does nothing) measured with the same client.
 *   3. Policy evaluation: evaluations/s of evaluateAccess, vs raw signatures/s (how many evaluations one signature costs);
 *      and at scale (1,000 policies x 10 rules, 50 groups): evaluations/s and p99 in microseconds (target < 200 µs).
 *   4. SAML callback validation of an IAM Identity Center-style response, vs raw RSA verifications/s.
 *   5. Complete sign-ins under load (bench/signin-load.ts): N virtual users through oidc-provider to a SAML app, on
 *      2 instances over PostgreSQL and on 1 over SQLite; sign-ins/s, p50/p99, errors, RSS per instance, and
 *      Gatehouse CPU ms per complete sign-in (target <= 3 ms). Run after the server above has stopped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAML } from '@node-saml/node-saml';
import { evaluateAccess } from '../src/policy/evaluate-access.js';
import type { AccessPolicy } from '../src/policy/policy-types.js';
import { TestBrowser } from '../test/helpers/test-browser.js';
import { freePort } from '../test/helpers/gatehouse-server.js';
import { startOidcProvider } from '../test/peers/oidc-provider-peer.js';
import { nodeFlagsFromEnvOrNpmStart } from './gatehouse-process.js';
import { runLoad } from './load.js';
import { measureRawRsa, rate } from './raw-rsa.js';
import { measurePolicyScale } from './policy-scale.js';
import { measureSamlCallback } from './saml-callback.js';
import { BENCH_SECRET_KEY, formatSigninLoad, runSigninLoad } from './signin-load.js';

const TOKEN = 'bench-token-0123456789abcdef0123456789abcdef';
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-bench';
const ACS = 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/bench';
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const accountId = randomBytes(16).toString('hex');
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  const nodeFlags = nodeFlagsFromEnvOrNpmStart();
  const server = spawn(process.execPath, [...nodeFlags, ...profile, 'dist/main.js'], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`, GATEHOUSE_API_TOKEN: TOKEN, GATEHOUSE_ACCOUNT_ID: accountId, GATEHOUSE_SECRET_KEY: BENCH_SECRET_KEY, LOG_LEVEL: 'info', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const op = await startOidcProvider({ redirectUris: [`${base}/cdn-cgi/access/callback`] });
  try {
    await waitReady(`${base}/cdn-cgi/access/certs`, server);
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${base}/client/v4/accounts/${accountId}/access${path}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as { success: boolean; result: any; errors: unknown };
      if (!json.success) throw new Error(`${path}: ${JSON.stringify(json.errors)}`);
      return json.result;
    };
    const idp = await api('/identity_providers', {
      name: 'Cognito (oidc-provider)',
      type: 'oidc',
      config: { client_id: op.clientId, client_secret: op.clientSecret, auth_url: op.authUrl, token_url: op.tokenUrl, certs_url: op.certsUrl, scopes: ['openid', 'email', 'profile'], claims: ['cognito:username'] },
    });
    const app = await api('/apps', {
      type: 'saas',
      name: 'AWS',
      allowed_idps: [idp.id],
      auto_redirect_to_identity: true,
      saas_app: { auth_type: 'saml', sp_entity_id: SP_ENTITY, consumer_service_url: ACS, name_id_format: 'email' },
      policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
    });
    const saml = new SAML({ entryPoint: app.saas_app.sso_endpoint, issuer: SP_ENTITY, callbackUrl: ACS, idpCert: app.saas_app.public_key, audience: SP_ENTITY, wantAssertionsSigned: true });

    // One real sign-in through the OIDC peer gives the live session the benchmark reuses.
    const browser = new TestBrowser();
    let res = await browser.get(await saml.getAuthorizeUrlAsync('', undefined, {}));
    res = await browser.followToHost(res, new URL(op.issuer).host);
    res = await op.completeLogin(browser, res, { username: 'alice@example.com', password: 'alice-pw' });
    res = await browser.followToHost(res, new URL(base).host, { stopAtHtml: true });
    if (res.status !== 200) throw new Error(`bench sign-in failed with ${res.status}`);
    const cookie = `CF_Authorization=${browser.cookie(base, 'CF_Authorization')}`;

    // Distinct AuthnRequests, as real SPs send them.
    const paths: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const u = new URL(await saml.getAuthorizeUrlAsync('', undefined, {}));
      paths.push(u.pathname + u.search);
    }
    const isSigned = (status: number, body: string) => status === 200 && body.includes('name="SAMLResponse"');
    await runLoad({ origin: base, paths, headers: { cookie }, concurrency: CONCURRENCY, durationMs: 2000, check: isSigned });
    const cpu0 = { server: cpuSeconds(server.pid!), main: cpuSeconds(server.pid!, server.pid!), client: process.cpuUsage() };
    // This machine's two cores are shared with neighbours: three rounds, and the median round is reported.
    const rounds = [];
    for (let i = 0; i < 3; i++) rounds.push(await runLoad({ origin: base, paths, headers: { cookie }, concurrency: CONCURRENCY, durationMs: DURATION_MS / 3, check: isSigned }));
    const sso = rounds.sort((a, b) => a.perSec - b.perSec)[1]!;
    sso.errors = rounds.reduce((n, r) => n + r.errors, 0);
    const clientCpu = process.cpuUsage(cpu0.client);
    const loadSeconds = rounds.reduce((n, r) => n + r.seconds, 0);
    const cpu = {
      server: (cpuSeconds(server.pid!) - cpu0.server) / loadSeconds,
      main: (cpuSeconds(server.pid!, server.pid!) - cpu0.main) / loadSeconds,
      client: (clientCpu.user + clientCpu.system) / 1e6 / loadSeconds,
    };
    const identity = await runLoad({
      origin: base,
      paths: ['/cdn-cgi/access/get-identity'],
      headers: { cookie },
      concurrency: CONCURRENCY,
      durationMs: Math.max(3000, DURATION_MS / 2),
      check: (s, b) => s === 200 && b.includes('alice@example.com'),
    });
    // The HTTP floor of the same server and client: a route that does nothing.
    const floorHttp = await runLoad({ origin: base, paths: ['/healthz'], headers: { cookie }, concurrency: CONCURRENCY, durationMs: 3000, check: (s) => s === 200 });
    const peakRssMb = peakRss(server.pid!);

    // Ceilings and the pure policy engine, measured while the server is idle.
    // The ceiling is measured twice around the policy run and averaged, for the same reason.
    const rawA = measureRawRsa();
    const policies = benchPolicies();
    const subject = { email: 'alice@example.com', idpId: idp.id as string, groups: ['engineering'] };
    const evals = rate(2000, () => evaluateAccess(policies, subject));
    const samlCallback = await measureSamlCallback();
    const scale = measurePolicyScale();
    const rawB = measureRawRsa();
    const raw = { signsPerSec: (rawA.signsPerSec + rawB.signsPerSec) / 2, verifiesPerSec: (rawA.verifiesPerSec + rawB.verifiesPerSec) / 2 };

    const floor = raw.signsPerSec / 2;
    const report = {
      sso_live_session: { responses_per_sec: round(sso.perSec), rounds_per_sec: rounds.map((r) => round(r.perSec)), p50_ms: round(sso.p50Ms), p99_ms: round(sso.p99Ms), errors: sso.errors, efficiency: round(sso.perSec / floor, 3), target: 0.6 },
      get_identity: { per_sec: round(identity.perSec), p50_ms: round(identity.p50Ms), p99_ms: round(identity.p99Ms), errors: identity.errors, ratio_to_raw_verify: round(identity.perSec / raw.verifiesPerSec, 3), ratio_to_http_floor: round(identity.perSec / floorHttp.perSec, 3) },
      http_floor: { healthz_per_sec: round(floorHttp.perSec), p50_ms: round(floorHttp.p50Ms) },
      policy_evaluation: { per_sec: round(evals), policies: policies.length, evaluations_per_raw_signature: round(evals / raw.signsPerSec, 1) },
      policy_evaluation_at_scale: {
        policies: scale.policies,
        rules_per_policy: scale.rulesPerPolicy,
        identity_groups: scale.identityGroups,
        evaluations_per_sec: round(scale.evaluationsPerSec),
        p50_us: round(scale.p50Us),
        p99_us: round(scale.p99Us),
        target_p99_us: 200,
      },
      saml_callback_validation: {
        validations_per_sec: round(samlCallback.validationsPerSec),
        verifies_per_validation: samlCallback.verifiesPerValidation,
        efficiency: round(samlCallback.validationsPerSec / (raw.verifiesPerSec / samlCallback.verifiesPerValidation), 3),
      },
      raw_rsa2048: { signs_per_sec_one_core: round(raw.signsPerSec), verifies_per_sec_one_core: round(raw.verifiesPerSec), response_floor_per_sec: round(floor) },
      server: { cpu_busy_during_sso: round(cpu.server, 2), main_thread_busy_during_sso: round(cpu.main, 2), load_client_cpu: round(cpu.client, 2), peak_rss_mb: peakRssMb, rss_target_mb: 150, concurrency: CONCURRENCY, seconds: DURATION_MS / 1000 },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `\nSSO with a live session: ${report.sso_live_session.responses_per_sec}/s, efficiency ${report.sso_live_session.efficiency} ` +
        `(target >= 0.6) against ${report.raw_rsa2048.signs_per_sec_one_core} raw RSA-2048 signatures/s ÷ 2; peak RSS ${peakRssMb} MB (target < 150).`,
    );
    console.log(
      `Policy evaluation, ${scale.policies} policies x ${scale.rulesPerPolicy} rules, ${scale.identityGroups} groups: ${round(scale.evaluationsPerSec)}/s, p99 ${round(scale.p99Us)} µs (target < 200 µs).`,
    );
    console.log(
      `SAML callback validation: ${report.saml_callback_validation.validations_per_sec}/s (2 signatures each), ` +
        `${report.saml_callback_validation.efficiency} of ${report.raw_rsa2048.verifies_per_sec_one_core} raw RSA-2048 verifications/s ÷ 2.`,
    );
  } finally {
    const exited = new Promise((resolve) => (server.exitCode !== null || server.signalCode !== null ? resolve(undefined) : server.once('exit', resolve)));
    server.kill('SIGTERM');
    await op.close();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }

  // The sign-in load scenarios start their own processes and need both cores to themselves.
  const signinLoad = await runSigninLoad();
  console.log(JSON.stringify({ signin_load: signinLoad }, null, 2));
  console.log('');
  for (const line of formatSigninLoad(signinLoad)) console.log(line);
}

function auth(): Record<string, string> {
  return { authorization: `Bearer ${TOKEN}` };
}

async function waitReady(url: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

/** user+system CPU seconds of a process, from /proc (Linux). */
function cpuSeconds(pid: number, tid?: number): number {
  const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function benchPolicies(): AccessPolicy[] {
  const t = new Date(0);
  return Array.from({ length: 10 }, (_, i) => ({
    id: `p${i}`,
    appId: 'a',
    name: `policy ${i}`,
    decision: i === 9 ? 'allow' : 'deny',
    precedence: i,
    include: [{ email: { email: `user${i}@example.org` } }, { email_domain: { domain: i === 9 ? 'example.com' : `d${i}.example` } }],
    require: i === 9 ? [{ everyone: {} }] : [],
    exclude: [{ email: { email: 'mallory@example.com' } }],
    createdAt: t,
    updatedAt: t,
  }));
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
