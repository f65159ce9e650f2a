import Fastify from 'fastify';
import pino from 'pino';
import { adminApiPlugin } from '../../src/admin-api/admin-api-plugin.js';
import { loadConfig } from '../../src/config/config.js';
import { PublicUrls } from '../../src/http/public-urls.js';
import { systemClock } from '../../src/lib/clock.js';
import { freePort } from '../helpers/free-port.js';
import type { DialectCase, TestDatabase } from '../helpers/test-databases.js';

export const TOKEN = 'api-test-token-0123456789abcdef0123456789';
export const ACCOUNT = '0123456789abcdef0123456789abcdef';

export interface ApiHarness {
  base: string;
  db: TestDatabase;
  /** Every response body this harness saw, to assert that no secret ever leaves. */
  bodies: string[];
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** The admin API alone, over real HTTP on loopback, on a fresh database. */
export async function startApi(dialect: DialectCase): Promise<ApiHarness> {
  const db = await dialect.create();
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), DATABASE_URL: db.url });
  const urls = new PublicUrls(config.publicUrl);
  await db.store.apiTokens.put('bootstrap', 'Bootstrap', TOKEN, new Date());
  const http = Fastify();
  await http.register(adminApiPlugin({ config, accountId: ACCOUNT, store: db.store, clock: systemClock, logger: pino({ level: 'silent' }), urls }), { prefix: '/client/v4' });
  const bodies: string[] = [];
  http.addHook('onSend', async (_req, _reply, payload) => {
    bodies.push(String(payload));
    return payload;
  });
  await http.listen({ port, host: '127.0.0.1' });
  return {
    base: urls.base,
    db,
    bodies,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${urls.base}/client/v4${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await http.close();
      await db.close();
    },
  };
}
