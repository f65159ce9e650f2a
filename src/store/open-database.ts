import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { createRequire } from 'node:module';
import type pgModule from 'pg';
import type { Database } from './database.js';
import { loadSqliteDriver } from './sqlite-driver.js';

export type Dialect = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where it is, without credentials, for the start-up banner. */
  description: string;
  /** Connection pool usage (PostgreSQL), for the metrics. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

const INT8_OID = 20;

export function openDatabase(url: string): OpenDatabase {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  return openSqlite(url.replace(/^(sqlite|file):(\/\/)?/, ''));
}

const require = createRequire(import.meta.url);

function openPostgres(url: string): OpenDatabase {
  // Loaded only for PostgreSQL: a SQLite deployment does not carry the driver in memory.
  const pg = require('pg') as typeof pgModule;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    // Epoch milliseconds live in bigint columns; they fit a double exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  // Nor may a client checked out of the pool (inside a transaction, between two queries): its 'error' event has no
  // listener of the pool's then, and an unhandled 'error' would end the process. The next query on it fails instead,
  // the request gets a 503 (classify-store-error.ts), and the pool discards the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const u = new URL(url);
  return {
    db,
    dialect: 'postgres',
    description: `postgres://${u.host}${u.pathname}`,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

function openSqlite(path: string): OpenDatabase {
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new (loadSqliteDriver().Database)(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', description: `sqlite:${file}`, close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; preparing costs more than running the small queries of the sign-in path. SQL
 * text here comes only from the query builder (values are bound parameters), so the set of statements is small.
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  // After SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY or SQLITE_NOMEM inside a transaction SQLite may already have rolled
  // it back by itself. Kysely's ROLLBACK would then fail with "no transaction is active", and that error would
  // replace the real one (a full disk) in the log and in the error's classification: roll back only what is open.
  const rollback = sqlite.prepare('rollback');
  const safeRollback = { reader: false, run: () => (sqlite.inTransaction ? rollback.run() : { changes: 0, lastInsertRowid: 0 }) } as unknown as BetterSqlite3.Statement;
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      if (sql === 'rollback') return safeRollback;
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= 500) cache.clear();
        statement = sqlite.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
