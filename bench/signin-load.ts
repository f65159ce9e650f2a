/**
 * The sign-in load scenario (npm run bench, last part; alone: npm run build && npx tsx bench/signin-load.ts).
 *
 * N virtual users (closed loop) each run complete sign-ins, every one from a fresh cookie jar, with real peers only:
 * node-saml plays the SaaS app (AWS) and sends an SP-initiated AuthnRequest (HTTP-Redirect) to Gatehouse; Gatehouse
 * sends the browser on to panva's oidc-provider playing Amazon Cognito, whose own login and consent interactions are
 * driven over HTTP; its callback brings the browser back to Gatehouse, which answers with the auto-posting page that
 * carries the signed SAML response. Run twice: 2 Gatehouse instances on one fresh PostgreSQL database, then 1
 * instance on a fresh SQLite file.
 *
 * Gatehouse runs as real child processes from the built code (node dist/main.js), so its CPU time and peak RSS come
 * from the kernel's accounting of exactly those processes (/proc/<pid>/stat and status), apart from the upstream's
 * and the generator's: on this 2-core machine all three compete for the same cores, so the end-to-end rate says
 * more about the machine than about Gatehouse, and Gatehouse CPU ms per complete sign-in is the figure with a
 * target (at most 3 ms: over 300 sign-ins per second per core).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import pg from 'pg';
import { freePort } from '../test/helpers/free-port.js';
import { cognitoSeedBody, DEFAULT_USERS } from '../test/peers/oidc-provider-peer.js';
import { BenchBrowser, Backends, firstForm } from './bench-browser.js';
import { checkSamlResponse, type PostedSamlResponse } from './check-saml-response.js';
import { type GatehouseProcess, nodeFlagsFromEnvOrNpmStart, startGatehouseProcess } from './gatehouse-process.js';
import { type OidcProviderProcess, startOidcProviderProcess } from './oidc-provider-process.js';
import { measureRawRsa } from './raw-rsa.js';
import { cpuMsByPid, machineCpuMs, processCpuMs, processesWithCommandLine, processPeakRssMb } from './process-stats.js';

const API_TOKEN = 'bench-token-0123456789abcdef0123456789abcdef';
/** One fixed operator key for every instance of the deployment (GATEHOUSE_SECRET_KEY, 32 bytes as hex). */
export const BENCH_SECRET_KEY = '6a3f1c9e0b7d45a28e6c1f0d9b3a7e5c2d8f4a6b1e9c0d7f3a5b8e2c6d4f1a09';
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-bench00000';
const ACS = 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/bench-load';
const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Gatehouse CPU per complete sign-in must stay at or under this: over 300 sign-ins per second per core. */
export const TARGET_CPU_MS_PER_SIGN_IN = 3;
/**
 * The issue states the 3 ms target for a machine making about 3,800 RSA-2048 signatures per second on one core.
 * This machine's cores are not always that fast (the host varies: 1,000 to 4,000 per second have been measured), so
 * each scenario also measures raw signatures per second next to the run and reports the CPU figure scaled to that
 * reference speed: the part of the cost that is Gatehouse's design, not the host's clock.
 */
export const REFERENCE_SIGNS_PER_SEC = 3800;
/** The users who sign in, in turn; the app's policy allows example.com. */
const SIGNERS = ['alice@example.com', 'bob@example.com'].map((email) => ({ username: email, password: DEFAULT_USERS[email]!.password }));

export interface SigninLoadOptions {
  /** Concurrent virtual users (closed loop). */
  virtualUsers: number;
  /** Warm-up lasts at least this long... */
  warmupSeconds: number;
  /**
   * ...and until every instance has served this many sign-ins (or warmupMaxSeconds passed): V8 keeps compiling
   * Gatehouse's sign-in path with TurboFan for the first few thousand sign-ins a process serves (measured with
   * --trace-opt: 20–50 compilations and 100–400 ms of compiler CPU per second of load until about 4,000 sign-ins,
   * then next to none). A window inside that phase measures the compiler, and the more instances share the load the
   * longer each one takes to get through it. The capacity figure is the steady state a long-running instance has.
   */
  warmupSignInsPerInstance: number;
  warmupMaxSeconds: number;
  seconds: number;
  /** How long node-saml may spend validating responses after each run (a uniform sample when not all fit). */
  validationSeconds: number;
  /** node flags for the Gatehouse processes. */
  nodeFlags: string[];
  /** --cpu-prof directory for the Gatehouse processes. */
  cpuProfileDir?: string;
  scenarios: ('postgres' | 'sqlite')[];
  /** Gatehouse instances on the PostgreSQL database (the issue's scenario: 2). */
  postgresInstances: number;
}

export interface InstanceFigures {
  pid: number;
  peak_rss_mb: number;
  cpu_ms: number;
}

export interface SigninScenarioResult {
  scenario: string;
  database: 'postgres' | 'sqlite';
  instances: number;
  virtual_users: number;
  seconds: number;
  sign_ins: number;
  sign_ins_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  /** Every failure: during warm-up, the measured window and the drain, and every response node-saml rejected. */
  errors: number;
  errors_by_phase: { warmup: number; measured: number; drain: number; node_saml: number };
  error_samples: string[];
  responses_checked_inline: number;
  responses_validated_by_node_saml: number;
  gatehouse_cpu_ms_per_sign_in: number;
  /** The warm-up before the window: its length, its sign-ins and Gatehouse's CPU per sign-in over it (JIT included). */
  warmup: { seconds: number; sign_ins: number; gatehouse_cpu_ms_per_sign_in: number };
  /** node:crypto RSA-2048 signatures per second on one core, measured right before and right after the window (mean). */
  raw_rsa2048_signs_per_sec: number;
  /** Gatehouse CPU per sign-in in units of one raw RSA-2048 signature on this machine (3 are signatures). */
  gatehouse_cpu_per_sign_in_in_raw_signatures: number;
  /** gatehouse_cpu_ms_per_sign_in scaled to the reference machine (REFERENCE_SIGNS_PER_SEC). */
  gatehouse_cpu_ms_per_sign_in_at_reference_speed: number;
  target_cpu_ms_per_sign_in: number;
  /** Judged on the reference-speed figure, with 0 errors; meets_target_absolute on this machine's own milliseconds. */
  meets_target: boolean;
  meets_target_absolute: boolean;
  per_instance: InstanceFigures[];
  /** Gatehouse requests sent to each instance in the window (equal halves: no stickiness). */
  requests_per_instance: number[];
  oidc_provider: { cpu_ms_per_sign_in: number; peak_rss_mb: number };
  /** The PostgreSQL backends serving this run's database (absent on SQLite, which runs inside Gatehouse). */
  postgresql?: { cpu_ms_per_sign_in: number; backends: number };
  load_generator: { cpu_ms_per_sign_in: number };
  /** Share of both cores' time over the window, by whom ("other": neighbours on the machine, the kernel's own work). */
  machine_cpu_share: { gatehouse: number; oidc_provider: number; load_generator: number; postgresql: number; other: number; idle: number };
  /** Mean wall time per sign-in spent waiting for each party (includes queueing behind the other parties on the CPU). */
  mean_wait_ms_per_sign_in: { gatehouse: number; oidc_provider: number };
  http_requests_per_sign_in: { gatehouse: number; oidc_provider: number };
}

export function signinLoadOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SigninLoadOptions {
  const scenarios = (env.BENCH_SIGNIN_SCENARIOS ?? 'postgres,sqlite').split(',').map((s) => s.trim()).filter((s): s is 'postgres' | 'sqlite' => s === 'postgres' || s === 'sqlite');
  return {
    virtualUsers: Number(env.BENCH_SIGNIN_USERS ?? 16),
    warmupSeconds: Number(env.BENCH_SIGNIN_WARMUP_SECONDS ?? 5),
    warmupSignInsPerInstance: Number(env.BENCH_SIGNIN_WARMUP_SIGN_INS ?? 4000),
    warmupMaxSeconds: Number(env.BENCH_SIGNIN_WARMUP_MAX_SECONDS ?? 120),
    seconds: Number(env.BENCH_SIGNIN_SECONDS ?? 15),
    validationSeconds: Number(env.BENCH_SIGNIN_VALIDATION_SECONDS ?? 4),
    nodeFlags: nodeFlagsFromEnvOrNpmStart(env),
    ...(env.BENCH_SIGNIN_CPU_PROFILE ? { cpuProfileDir: env.BENCH_SIGNIN_CPU_PROFILE } : {}),
    scenarios,
    postgresInstances: Number(env.BENCH_SIGNIN_PG_INSTANCES ?? 2),
  };
}

/** Both scenarios, one after the other (never at once: they would share the two cores). */
export async function runSigninLoad(options: SigninLoadOptions = signinLoadOptionsFromEnv()): Promise<SigninScenarioResult[]> {
  const results: SigninScenarioResult[] = [];
  for (const database of options.scenarios) {
    if (database === 'postgres' && !(await postgresReachable())) {
      console.warn(`[bench] PostgreSQL not reachable at ${PG_ADMIN_URL} (TEST_POSTGRES_URL): the 2-instance PostgreSQL sign-in scenario is skipped`);
      continue;
    }
    results.push(await runScenario(database, database === 'postgres' ? options.postgresInstances : 1, options));
  }
  return results;
}

/** Human-readable lines, in the style of bench/run.ts's summary. */
export function formatSigninLoad(results: SigninScenarioResult[]): string[] {
  return results.map((r) => {
    const verdict = r.meets_target ? 'meets' : 'MISSES';
    const rss = r.per_instance.map((i) => `${i.peak_rss_mb} MB`).join(' + ');
    return (
      `Complete sign-ins, ${r.scenario}, ${r.virtual_users} users: ${r.sign_ins_per_sec}/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ` +
      `errors ${r.errors}; Gatehouse ${r.gatehouse_cpu_ms_per_sign_in} ms CPU per sign-in on this machine (${r.raw_rsa2048_signs_per_sec} raw RSA-2048 signs/s: ` +
      `the cost of ${r.gatehouse_cpu_per_sign_in_in_raw_signatures} signatures), ${r.gatehouse_cpu_ms_per_sign_in_at_reference_speed} ms at the reference ${REFERENCE_SIGNS_PER_SEC} signs/s ` +
      `(target <= ${r.target_cpu_ms_per_sign_in} ms: ${verdict}; on this machine's own clock: ${r.meets_target_absolute ? 'meets' : 'misses'}` +
      `${r.errors === 0 ? '' : ', but errors must be 0'}); peak RSS ${rss}; CPU per sign-in elsewhere: oidc-provider ${r.oidc_provider.cpu_ms_per_sign_in} ms, ` +
      `load generator ${r.load_generator.cpu_ms_per_sign_in} ms${r.postgresql ? `, PostgreSQL ${r.postgresql.cpu_ms_per_sign_in} ms` : ''}; ` +
      `the machine was ${Math.round(r.machine_cpu_share.idle * 100)}% idle, ${Math.round(r.machine_cpu_share.other * 100)}% busy with others; ` +
      `after a warm-up of ${r.warmup.sign_ins} sign-ins in ${r.warmup.seconds} s (Gatehouse ${r.warmup.gatehouse_cpu_ms_per_sign_in} ms CPU per sign-in over it, JIT compilation included).`
    );
  });
}

async function runScenario(database: 'postgres' | 'sqlite', instanceCount: number, options: SigninLoadOptions): Promise<SigninScenarioResult> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const cleanUp = async () => {
    for (const fn of cleanups.splice(0).reverse()) await Promise.resolve().then(fn).catch((e: unknown) => console.error('[bench] cleanup failed:', e));
  };
  // Ctrl-C during the run still stops the children and drops the database.
  const onSignal = (signal: NodeJS.Signals) => void cleanUp().finally(() => process.kill(process.pid, signal));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let databaseUrl: string;
    let databaseName: string | undefined;
    if (database === 'postgres') {
      const made = await createPostgresDatabase();
      cleanups.push(made.drop);
      databaseUrl = made.url;
      databaseName = made.name;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'gatehouse-signin-load-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      databaseUrl = `sqlite:${join(dir, 'gatehouse.db')}`;
    }

    const ports = await Promise.all(Array.from({ length: instanceCount }, () => freePort()));
    // Every instance of a deployment has the same public URL (GATEHOUSE_URL): it names the balancer in front of
    // them, and every URL Gatehouse hands out (SSO endpoint and IdP entity ID, the OIDC redirect URI, the SAML
    // Destination) derives from it, so a sign-in started on one instance can continue on any other. With one
    // instance it is that instance's own address. With two, the load generator is the balancer (Backends): it
    // sends each request for that address to the next instance in turn, with that Host header, and nothing
    // listens on the port itself; an in-bench HTTP proxy would add its CPU to the two cores the parties share.
    const publicUrl = instanceCount === 1 ? `http://127.0.0.1:${ports[0]}` : `http://127.0.0.1:${await freePort()}`;
    const op = await startOidcProviderProcess([`${publicUrl}/cdn-cgi/access/callback`]);
    cleanups.push(() => op.close());

    const accountId = randomBytes(16).toString('hex');
    const instances: GatehouseProcess[] = [];
    for (const [i, port] of ports.entries()) {
      // One after the other: the first start migrates the empty database and bootstraps the account.
      const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=gatehouse-${database}-${i + 1}-${Date.now()}.cpuprofile`] : [];
      const instance = await startGatehouseProcess({ port, publicUrl, databaseUrl, apiToken: API_TOKEN, accountId, secretKey: BENCH_SECRET_KEY, nodeFlags: [...options.nodeFlags, ...profile] });
      cleanups.push(() => instance.close());
      instances.push(instance);
    }

    const app = await configure(instances[0]!.directOrigin, accountId, op);
    const saml = new SAML({
      entryPoint: app.ssoEndpoint,
      issuer: SP_ENTITY,
      callbackUrl: ACS,
      audience: SP_ENTITY,
      idpCert: app.publicKey,
      idpIssuer: app.idpEntityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: 'always' as never,
      acceptedClockSkewMs: 60_000,
    });

    const backends = new Backends();
    cleanups.push(() => backends.close());
    backends.add(publicUrl, instances.map((i) => i.directOrigin), options.virtualUsers);
    backends.add(op.issuer, [op.issuer], options.virtualUsers);

    const run = await drive({ saml, backends, publicOrigin: new URL(publicUrl).origin, op, instances, options, ...(databaseName ? { postgresBackendTag: ` ${databaseName} ` } : {}) });
    const rawSignsPerSec = (run.rawSignsPerSec.before + run.rawSignsPerSec.after) / 2;
    const validation = await validateSample(saml, run.posted, options.validationSeconds * 1000);
    const errorsByPhase = { ...run.errorsByPhase, node_saml: validation.failures };
    const errors = Object.values(errorsByPhase).reduce((a, b) => a + b, 0);
    const samples = [...run.errorSamples, ...validation.samples].slice(0, 8);
    if (errors > 0) for (const [i, instance] of instances.entries()) for (const line of instance.recentProblems().slice(-5)) samples.push(`instance ${i + 1}: ${line}`);

    const signIns = run.latencies.length;
    const per = (ms: number) => round(signIns > 0 ? ms / signIns : 0, 2);
    const ghCpu = run.cpu.gatehouse.reduce((a, b) => a + b, 0);
    const cpuMsPerSignIn = per(ghCpu);
    const atReference = round((cpuMsPerSignIn * rawSignsPerSec) / REFERENCE_SIGNS_PER_SEC, 2);
    const machineMs = run.cpu.machineBusyMs + run.cpu.machineIdleMs;
    const share = (ms: number) => round(machineMs > 0 ? ms / machineMs : 0, 3);
    return {
      scenario: `${instanceCount} instance${instanceCount === 1 ? '' : 's'} on ${database === 'postgres' ? 'PostgreSQL' : 'SQLite'}`,
      database,
      instances: instanceCount,
      virtual_users: options.virtualUsers,
      seconds: round(run.seconds, 2),
      sign_ins: signIns,
      sign_ins_per_sec: round(signIns / run.seconds),
      p50_ms: round(percentile(run.latencies, 0.5)),
      p99_ms: round(percentile(run.latencies, 0.99)),
      errors,
      errors_by_phase: errorsByPhase,
      error_samples: samples,
      responses_checked_inline: run.posted.length,
      responses_validated_by_node_saml: validation.validated,
      gatehouse_cpu_ms_per_sign_in: cpuMsPerSignIn,
      warmup: {
        seconds: round(run.warmup.seconds, 1),
        sign_ins: run.warmup.signIns,
        gatehouse_cpu_ms_per_sign_in: round(run.warmup.signIns > 0 ? run.warmup.gatehouseCpuMs / run.warmup.signIns : 0, 2),
      },
      raw_rsa2048_signs_per_sec: Math.round(rawSignsPerSec),
      gatehouse_cpu_per_sign_in_in_raw_signatures: round((cpuMsPerSignIn * rawSignsPerSec) / 1000, 1),
      gatehouse_cpu_ms_per_sign_in_at_reference_speed: atReference,
      target_cpu_ms_per_sign_in: TARGET_CPU_MS_PER_SIGN_IN,
      meets_target: atReference <= TARGET_CPU_MS_PER_SIGN_IN && errors === 0 && signIns > 0,
      meets_target_absolute: cpuMsPerSignIn <= TARGET_CPU_MS_PER_SIGN_IN && errors === 0 && signIns > 0,
      per_instance: instances.map((i, n) => ({ pid: i.pid, peak_rss_mb: processPeakRssMb(i.pid), cpu_ms: Math.round(run.cpu.gatehouse[n]!) })),
      requests_per_instance: run.requestsPerInstance,
      oidc_provider: { cpu_ms_per_sign_in: per(run.cpu.op), peak_rss_mb: processPeakRssMb(op.pid) },
      ...(databaseName ? { postgresql: { cpu_ms_per_sign_in: per(run.cpu.postgres), backends: run.cpu.postgresBackends } } : {}),
      load_generator: { cpu_ms_per_sign_in: per(run.cpu.generator) },
      machine_cpu_share: {
        gatehouse: share(ghCpu),
        oidc_provider: share(run.cpu.op),
        load_generator: share(run.cpu.generator),
        postgresql: share(run.cpu.postgres),
        other: share(Math.max(0, run.cpu.machineBusyMs - ghCpu - run.cpu.op - run.cpu.generator - run.cpu.postgres)),
        idle: share(run.cpu.machineIdleMs),
      },
      mean_wait_ms_per_sign_in: { gatehouse: per(run.waitMs.gatehouse), oidc_provider: per(run.waitMs.op) },
      http_requests_per_sign_in: { gatehouse: per(run.requests.gatehouse), oidc_provider: per(run.requests.op) },
    };
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The login method, the SaaS app and its allow policy, through the admin API, as an administrator sets them up. */
async function configure(origin: string, accountId: string, op: OidcProviderProcess): Promise<{ ssoEndpoint: string; publicKey: string; idpEntityId: string }> {
  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${origin}/client/v4/accounts/${accountId}/access${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { success: boolean; result: any; errors: unknown };
    if (!json.success) throw new Error(`POST ${path}: ${JSON.stringify(json.errors)}`);
    return json.result;
  };
  // The Cognito seed's "Example API configuration", posted as published, with the placeholders filled in.
  const idp = await api('/identity_providers', cognitoSeedBody(op));
  const app = await api('/apps', {
    type: 'saas',
    name: 'AWS (bench)',
    allowed_idps: [idp.id],
    // With one allowed login method the login page sends the browser straight on to the upstream.
    auto_redirect_to_identity: true,
    saas_app: { auth_type: 'saml', sp_entity_id: SP_ENTITY, consumer_service_url: ACS, name_id_format: 'email' },
    policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
  });
  return { ssoEndpoint: app.saas_app.sso_endpoint, publicKey: app.saas_app.public_key, idpEntityId: app.saas_app.idp_entity_id };
}

interface DriveResult {
  seconds: number;
  rawSignsPerSec: { before: number; after: number };
  warmup: { seconds: number; signIns: number; gatehouseCpuMs: number };
  latencies: number[];
  posted: PostedSamlResponse[];
  errorsByPhase: { warmup: number; measured: number; drain: number };
  errorSamples: string[];
  cpu: { gatehouse: number[]; op: number; generator: number; postgres: number; postgresBackends: number; machineBusyMs: number; machineIdleMs: number };
  waitMs: { gatehouse: number; op: number };
  requests: { gatehouse: number; op: number };
  requestsPerInstance: number[];
}

/**
 * The closed loop: every virtual user starts its next sign-in as soon as the last one ended. Warm-up first (JIT,
 * connection pools, the OP's key and discovery caches), then the measured window: sign-ins that complete inside it
 * are counted, and the CPU counters are read at its two ends. After it, the users finish what they started.
 */
async function drive(input: {
  saml: SAML;
  backends: Backends;
  publicOrigin: string;
  op: OidcProviderProcess;
  instances: GatehouseProcess[];
  options: SigninLoadOptions;
  /** Text in the process title of the PostgreSQL backends serving this run (" <database name> "). */
  postgresBackendTag?: string;
}): Promise<DriveResult> {
  const { saml, backends, publicOrigin, op, instances, options, postgresBackendTag } = input;
  const opOrigin = new URL(op.issuer).origin;
  const latencies: number[] = [];
  const posted: PostedSamlResponse[] = [];
  const errorsByPhase = { warmup: 0, measured: 0, drain: 0 };
  const errorSamples: string[] = [];
  const waitMs = { gatehouse: 0, op: 0 };
  const requests = { gatehouse: 0, op: 0 };
  let phase: 'warmup' | 'measured' | 'drain' = 'warmup';
  let sequence = 0;
  let completed = 0;

  const signIn = async (user: { username: string; password: string }) => {
    const relayState = `bench-${sequence++}`;
    const authUrl = new URL(await saml.getAuthorizeUrlAsync(relayState, undefined, {}));
    const requestId = authnRequestId(authUrl);
    const browser = new BenchBrowser(backends);
    const counted = phase === 'measured';
    const timed = async (url: URL, form?: Record<string, string>) => {
      const t = performance.now();
      const res = form ? await browser.post(url, form) : await browser.get(url);
      if (counted) {
        const upstream = url.origin === opOrigin;
        waitMs[upstream ? 'op' : 'gatehouse'] += performance.now() - t;
        requests[upstream ? 'op' : 'gatehouse']++;
      }
      return res;
    };
    const start = performance.now();
    let res = await timed(authUrl);
    for (let hop = 0; ; hop++) {
      if (hop > 20) throw new Error('more than 20 steps');
      const next = BenchBrowser.next(res);
      if (next) {
        res = await timed(next);
        continue;
      }
      if (res.status !== 200) throw new Error(`HTTP ${res.status} at ${res.url.origin === publicOrigin ? 'Gatehouse' : 'the OP'} ${res.url.pathname}: ${res.body.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (res.url.origin !== opOrigin) break;
      // The OP's own login form, filled in as a user would.
      const form = firstForm(res.body);
      if (!form) throw new Error(`the OP answered ${res.url.pathname} without a form`);
      res = await timed(new URL(form.action || res.url.pathname, res.url), { ...form.fields, username: user.username, password: user.password });
    }
    if (res.url.origin !== publicOrigin) throw new Error(`ended at ${res.url.origin}, not Gatehouse`);
    const message = checkSamlResponse(res.body, { acs: ACS, relayState, requestId });
    return { ms: performance.now() - start, message };
  };

  let stop = false;
  const user = async (index: number) => {
    for (let n = 0; !stop; n++) {
      const startedIn = phase;
      try {
        const { ms, message } = await signIn(SIGNERS[(index + n) % SIGNERS.length]!);
        completed++;
        if (phase === 'measured' && startedIn !== 'drain') {
          latencies.push(ms);
          posted.push(message);
        }
      } catch (e) {
        errorsByPhase[phase]++;
        if (errorSamples.length < 5) errorSamples.push(`${phase}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };

  const cpuNow = () => ({
    gatehouse: instances.map((i) => processCpuMs(i.pid)),
    op: processCpuMs(op.pid),
    generator: process.cpuUsage(),
    postgres: postgresBackendTag ? cpuMsByPid(processesWithCommandLine(postgresBackendTag)) : new Map<number, number>(),
    machine: machineCpuMs(),
    t: performance.now(),
  });
  const warmupStart = cpuNow();
  const users = Array.from({ length: options.virtualUsers }, (_, i) => user(i));
  const warmupGoal = options.warmupSignInsPerInstance * instances.length;
  while (true) {
    await sleep(500);
    const elapsed = (performance.now() - warmupStart.t) / 1000;
    if (elapsed >= options.warmupMaxSeconds || (elapsed >= options.warmupSeconds && completed >= warmupGoal)) break;
  }
  // The warm-up's figures end here, where its sign-ins are counted: the raw measurement below is not part of it.
  const warmupSignIns = completed;
  const warmupEnd = cpuNow();
  // The raw signing speed is measured right next to the window, where the host's speed is that of the window (it
  // drifts by a third over minutes here). Measuring blocks this process, so the load pauses meanwhile: the
  // measurement has the cores nearly to itself, and the pause lies outside the window.
  const rawBefore = measureRawRsa(1000).signsPerSec;
  const perInstance0 = backends.requestCounts(publicOrigin);
  phase = 'measured';
  const before = cpuNow();
  await sleep(options.seconds * 1000);
  const after = cpuNow();
  phase = 'drain';
  const rawAfter = measureRawRsa(1000).signsPerSec;
  const perInstance1 = backends.requestCounts(publicOrigin);
  stop = true;
  await Promise.all(users);
  return {
    seconds: (after.t - before.t) / 1000,
    rawSignsPerSec: { before: rawBefore, after: rawAfter },
    warmup: {
      seconds: (warmupEnd.t - warmupStart.t) / 1000,
      signIns: warmupSignIns,
      gatehouseCpuMs: warmupEnd.gatehouse.reduce((sum, ms, i) => sum + ms - warmupStart.gatehouse[i]!, 0),
    },
    latencies,
    posted,
    errorsByPhase,
    errorSamples,
    cpu: {
      gatehouse: after.gatehouse.map((ms, i) => ms - before.gatehouse[i]!),
      op: after.op - before.op,
      // process.cpuUsage() is in microseconds.
      generator: (after.generator.user - before.generator.user + after.generator.system - before.generator.system) / 1000,
      // A backend that started inside the window counts from zero.
      postgres: [...after.postgres].reduce((sum, [pid, ms]) => sum + ms - (before.postgres.get(pid) ?? 0), 0),
      postgresBackends: after.postgres.size,
      machineBusyMs: after.machine.busy - before.machine.busy,
      machineIdleMs: after.machine.idle - before.machine.idle,
    },
    waitMs,
    requests,
    requestsPerInstance: perInstance1.map((n, i) => n - perInstance0[i]!),
  };
}

/**
 * node-saml (the SP library) validates the responses after the run, so its XML-DSig work does not compete with the
 * parties for the CPU during the window: both signatures against the certificate the app publishes, issuer,
 * audience, times, and InResponseTo against the requests it issued itself (each usable once). All of them when they
 * fit in the time given, otherwise a uniform random sample.
 */
async function validateSample(saml: SAML, posted: PostedSamlResponse[], budgetMs: number): Promise<{ validated: number; failures: number; samples: string[] }> {
  const order = posted.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const deadline = performance.now() + budgetMs;
  let validated = 0;
  let failures = 0;
  const samples: string[] = [];
  for (const i of order) {
    if (validated > 0 && performance.now() > deadline) break;
    const { samlResponse, relayState } = posted[i]!;
    validated++;
    try {
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse, RelayState: relayState });
      if (!profile?.nameID?.endsWith('@example.com')) throw new Error(`unexpected NameID ${profile?.nameID}`);
    } catch (e) {
      failures++;
      if (samples.length < 3) samples.push(`node-saml: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { validated, failures, samples };
}

/** The ID of the AuthnRequest in a Redirect-binding URL (deflated, base64). */
function authnRequestId(url: URL): string {
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
  const id = /\sID="([^"]+)"/.exec(xml)?.[1];
  if (!id) throw new Error('AuthnRequest without ID');
  return id;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh, empty PostgreSQL database for one run, dropped afterwards (with force: the instances may still hold connections). */
async function createPostgresDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `gh_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const s = [...sorted].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = signinLoadOptionsFromEnv();
  runSigninLoad(options)
    .then((results) => {
      console.log(JSON.stringify({ signin_load: results }, null, 2));
      for (const line of formatSigninLoad(results)) console.log(line);
    })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
