import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/config.js';
import { PublicUrls } from '../../src/http/public-urls.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import { freePort } from './free-port.js';
import type { DialectCase, TestDatabase } from './test-databases.js';

export { freePort };

export const TEST_API_TOKEN = 'test-token-0123456789abcdef0123456789abcdef';

export interface LogLine {
  level: number;
  msg: string;
  event?: string;
  code?: string;
  ray_id?: string;
  detail?: string;
  hint?: string;
  [k: string]: unknown;
}

export interface RunningGatehouse {
  base: string;
  accountId: string;
  token: string;
  db: TestDatabase;
  built: BuiltApp;
  logs: LogLine[];
  /** fetch against the admin API with the bootstrap token. */
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** A real Gatehouse on loopback over a fresh database of the given dialect, with its log captured for assertions. */
export async function startGatehouse(dialect: DialectCase, options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<RunningGatehouse> {
  const db = await dialect.create();
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), GATEHOUSE_API_TOKEN: TEST_API_TOKEN, DATABASE_URL: db.url, LOG_LEVEL: 'debug', ...options.env });
  const clock = options.clock ?? systemClock;
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const boot = await bootstrap(db.store, config, clock);
  const urls = new PublicUrls(config.publicUrl);
  const built = await buildApp({ config, accountId: boot.accountId, store: db.store, clock, logger, urls, ...(db.opened.poolStats ? { poolStats: db.opened.poolStats } : {}) });
  await built.http.listen({ port, host: '127.0.0.1' });
  const base = urls.base;
  return {
    base,
    accountId: boot.accountId,
    token: TEST_API_TOKEN,
    db,
    built,
    logs,
    async api(path, init = {}) {
      const res = await fetch(`${base}/client/v4/accounts/${boot.accountId}/access${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${TEST_API_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await built.http.close();
      await db.close();
    },
  };
}
