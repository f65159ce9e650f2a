import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest } from '../../src/store/migrations.js';
import { type OpenDatabase, openDatabase } from '../../src/store/open-database.js';
import { parseMasterKey } from '../../src/secrets/master-key.js';
import { unlockSecrets } from '../../src/secrets/secret-keyring.js';
import { Store } from '../../src/store/store.js';

/** The master key of every test database (tests that start Gatehouse processes pass it as GATEHOUSE_SECRET_KEY). */
export const TEST_SECRET_KEY_TEXT = '7d1c0f4e9a2b3c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5';
export const TEST_SECRET_KEY = parseMasterKey(TEST_SECRET_KEY_TEXT, 'the test secret key');

/**
 * The dialects every store-backed suite runs on. SQLite always; PostgreSQL when reachable, and when CI=true it is
 * required: an unreachable server fails the run instead of silently skipping half the suite.
 */
export const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  opened: OpenDatabase;
  store: Store;
  close(): Promise<void>;
}

export interface DialectCase {
  name: 'sqlite' | 'postgres';
  available: boolean;
  create(): Promise<TestDatabase>;
}

async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`CI=true requires PostgreSQL at ${PG_ADMIN_URL}: ${String(e)}`);
    console.warn(`[tests] PostgreSQL not reachable at ${PG_ADMIN_URL}; PostgreSQL cases are skipped (they are required when CI=true)`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates a fresh, empty PostgreSQL database and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gh_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Creates a fresh SQLite file in a temp dir. */
export function createSqliteDatabase(): { url: string; drop(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  return { url: `sqlite:${join(dir, 'gatehouse.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function open(made: { url: string; drop(): Promise<void> }): Promise<TestDatabase> {
  const opened = openDatabase(made.url);
  await migrateToLatest(opened.db);
  const { box } = await unlockSecrets(opened.db, TEST_SECRET_KEY);
  return {
    url: made.url,
    opened,
    store: new Store(opened.db, box),
    async close() {
      await opened.close();
      await made.drop();
    },
  };
}

export async function dialectCases(): Promise<DialectCase[]> {
  const pgOk = await postgresAvailable();
  return [
    { name: 'sqlite', available: true, create: () => open(createSqliteDatabase()) },
    { name: 'postgres', available: pgOk, create: async () => open(await createPostgresDatabase()) },
  ];
}
