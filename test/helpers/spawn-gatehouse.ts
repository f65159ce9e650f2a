import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import type { LogLine } from './gatehouse-server.js';

/**
 * Gatehouse as a real child process (`node --import tsx src/main.ts`, so no build is needed), the way an operator
 * runs it: its own PID, its own environment, JSON log lines on stdout. The production tests kill it, signal it and
 * read its logs. Every process started here is killed by `stopAllGatehouses()` (call it in afterAll) and, should
 * the test worker itself die, by an exit hook: no orphaned servers.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The bootstrap admin token every spawned deployment uses (at least 32 characters, as the config demands). */
export const SPAWN_API_TOKEN = 'spawned-token-0123456789abcdef0123456789abcdef';

/** One fixed GATEHOUSE_SECRET_KEY for every instance of a test deployment: instances of one database share it. */
export const TEST_SECRET_KEY = '5f1c9b0e7a3d4c2b8e6f0a1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f7';

export interface SpawnOptions {
  /** A name for messages and log assertions ("A", "B"). */
  name: string;
  databaseUrl: string;
  /** GATEHOUSE_URL; defaults to the instance's own http://127.0.0.1:<port>. */
  publicUrl?: string;
  port?: number;
  /** Extra environment (GATEHOUSE_TRUSTED_PROXIES, …). */
  env?: Record<string, string>;
  /** How long to wait for /readyz; a cold tsx start on a loaded machine takes a few seconds. */
  readyTimeoutMs?: number;
}

export interface SpawnedGatehouse {
  name: string;
  port: number;
  /** The instance itself, not the proxy: http://127.0.0.1:<port>. */
  direct: string;
  publicUrl: string;
  pid: number;
  accountId: string;
  /** Every JSON log line the process wrote to stdout so far. */
  logs: LogLine[];
  /** stdout lines that are not JSON (the start-up banner) and stderr. */
  text: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process has exited. */
  readonly running: boolean;
  /** The admin API of this instance, with the bootstrap token. */
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the first log line (already written or to come) matching `predicate`. */
  waitForLog(predicate: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts one instance and resolves once /readyz answers 200 and the banner named the account. */
export async function spawnGatehouse(options: SpawnOptions): Promise<SpawnedGatehouse> {
  const port = options.port ?? (await freePort());
  const direct = `http://127.0.0.1:${port}`;
  const publicUrl = options.publicUrl ?? direct;
  // A clean environment: nothing of the test runner's (DATABASE_URL, NODE_OPTIONS, VITEST…) leaks into Gatehouse.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_URL: publicUrl,
    DATABASE_URL: options.databaseUrl,
    GATEHOUSE_API_TOKEN: SPAWN_API_TOKEN,
    GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const logs: LogLine[] = [];
  const text: string[] = [];
  const waiters = new Set<{ predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': by then stdout has ended, so every line the process wrote is in `logs`.
    child.once('close', (code, signal) => {
      running.delete(child);
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const onLine = (line: string) => {
    if (!line.trim()) return;
    if (line.startsWith('{')) {
      try {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        for (const w of waiters) if (w.predicate(parsed)) (waiters.delete(w), w.resolve(parsed));
        return;
      } catch {
        // not JSON after all: keep it as text
      }
    }
    text.push(line);
  };
  lineReader(child.stdout!, onLine);
  lineReader(child.stderr!, (l) => l.trim() && text.push(`[stderr] ${l}`));

  const instance: SpawnedGatehouse = {
    name: options.name,
    port,
    direct,
    publicUrl,
    pid: child.pid!,
    accountId: '',
    logs,
    text,
    exited,
    get running() {
      return exitInfo === undefined;
    },
    async api(path, init = {}) {
      const res = await fetch(`${direct}/client/v4/accounts/${instance.accountId}/access${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${SPAWN_API_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const body = await res.text();
      return { status: res.status, body: body ? JSON.parse(body) : undefined };
    },
    kill(signal) {
      if (exitInfo === undefined) child.kill(signal);
    },
    waitForLog(predicate, timeoutMs = 10_000) {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => (waiters.delete(w), reject(new Error(`instance ${options.name}: no matching log line within ${timeoutMs} ms`))), timeoutMs);
        waiters.add(w);
      });
    },
    async stop(graceMs = 10_000) {
      if (exitInfo !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 45_000);
  for (;;) {
    if (exitInfo !== undefined) throw new Error(`instance ${options.name} exited during start (${JSON.stringify(exitInfo)}):\n${text.join('\n')}`);
    const account = text.map((l) => /Account id:\s+([0-9a-f]{32})/.exec(l)?.[1]).find((a) => a !== undefined);
    if (account && (await isReady(direct))) {
      instance.accountId = account;
      return instance;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`instance ${options.name} not ready within ${options.readyTimeoutMs ?? 45_000} ms:\n${text.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops every instance still running (SIGTERM, then SIGKILL): for afterAll, also after a failed test. */
export async function stopAllGatehouses(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => (clearTimeout(timer), resolve()));
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function isReady(base: string): Promise<boolean> {
  try {
    const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function lineReader(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const p of parts) onLine(p);
  });
  stream.on('end', () => rest && onLine(rest));
}
