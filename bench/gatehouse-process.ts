import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * The node flags `npm start` runs Gatehouse with, read from package.json's start script so that the benches measure
 * exactly what an operator runs (BENCH_NODE_FLAGS, when set, replaces them).
 */
export function nodeFlagsFromEnvOrNpmStart(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.BENCH_NODE_FLAGS !== undefined) return env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const match = /^node((?: --[^ ]+)*) dist\/main\.js$/.exec(pkg.scripts.start);
  if (!match) throw new Error(`package.json's start script is not "node <flags> dist/main.js": ${pkg.scripts.start}`);
  return match[1]!.split(' ').filter(Boolean);
}

/**
 * One Gatehouse instance as a real child process running the built code (`node dist/main.js`), configured only
 * through the environment, as an operator runs it. A child of its own, so its CPU time and peak RSS can be read
 * from /proc apart from the load generator's and the upstream's.
 */
export interface GatehouseProcess {
  pid: number;
  /** Where this instance listens (http://127.0.0.1:<port>); not the public URL when there are several. */
  directOrigin: string;
  /** The last warnings and errors it logged (pino JSON lines, level >= 40), for diagnosing a failed run. */
  recentProblems(): string[];
  close(): Promise<void>;
}

export interface GatehouseProcessOptions {
  port: number;
  publicUrl: string;
  databaseUrl: string;
  apiToken: string;
  accountId: string;
  secretKey: string;
  /** Extra node flags (V8 options, --cpu-prof ...). */
  nodeFlags?: string[];
}

export async function startGatehouseProcess(opts: GatehouseProcessOptions): Promise<GatehouseProcess> {
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), 'dist/main.js'], {
    env: {
      ...process.env,
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      GATEHOUSE_URL: opts.publicUrl,
      DATABASE_URL: opts.databaseUrl,
      GATEHOUSE_API_TOKEN: opts.apiToken,
      GATEHOUSE_ACCOUNT_ID: opts.accountId,
      // Every instance of one deployment shares the operator's key (it wraps the database's data key).
      GATEHOUSE_SECRET_KEY: opts.secretKey,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const problems: string[] = [];
  const keep = (line: string) => {
    // At LOG_LEVEL=warn a successful sign-in logs nothing, so whatever arrives here is worth showing on failure.
    // The start-up banner's lines are indented; log lines and stack traces are not.
    if (!line.trim() || /^\s/.test(line)) return;
    problems.push(line.length > 600 ? `${line.slice(0, 600)}…` : line);
    if (problems.length > 50) problems.shift();
  };
  // BENCH_GATEHOUSE_STDOUT=<prefix>: each instance's whole stdout also goes to <prefix>.<pid>, for V8 traces such as
  // BENCH_NODE_FLAGS='--trace-opt --trace-gc' (how the sign-in scenario's warm-up length was found).
  if (process.env.BENCH_GATEHOUSE_STDOUT) child.stdout!.pipe(createWriteStream(`${process.env.BENCH_GATEHOUSE_STDOUT}.${child.pid}`));
  createInterface({ input: child.stdout! }).on('line', keep);
  createInterface({ input: child.stderr! }).on('line', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const directOrigin = `http://127.0.0.1:${opts.port}`;
  const handle: GatehouseProcess = {
    pid: child.pid!,
    directOrigin,
    recentProblems: () => [...problems],
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitReady(`${directOrigin}/readyz`, child, problems);
  } catch (e) {
    await handle.close();
    throw e;
  }
  return handle;
}

async function waitReady(url: string, child: ChildProcess, problems: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Gatehouse exited with ${child.exitCode} before it was ready:\n${problems.join('\n')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Gatehouse at ${url} was not ready within 30 s:\n${problems.join('\n')}`);
}
