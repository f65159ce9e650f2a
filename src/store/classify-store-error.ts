import { GatehouseError } from '../errors/gatehouse-error.js';

/**
 * Database failures that belong to the environment, not to the request (PostgreSQL down or restarting, the network
 * to it gone, a full disk under SQLite), become STORE_UNAVAILABLE: a 503 with the catalog's public message for the
 * user, and the precise reason and what to do about it for the admin's log. Called once, at the HTTP boundary (the
 * pages' and the admin API's error handlers); everything else is left alone (undefined) and stays INTERNAL.
 *
 * Nothing here retries: the pg pool opens a fresh connection for the next request and SQLite retries on its own,
 * so service comes back by itself once the database does.
 */
export function classifyStoreError(error: unknown): GatehouseError | undefined {
  if (error instanceof GatehouseError) return undefined;
  for (const e of causes(error)) {
    const reason = reasonOf(e);
    if (reason) return new GatehouseError('STORE_UNAVAILABLE', { detail: `${reason.what}: ${messageOf(e)}`, hint: reason.hint, cause: error });
  }
  return undefined;
}

interface Reason {
  what: string;
  hint: string;
}

const POSTGRES_DOWN_HINT =
  'check that PostgreSQL is running and reachable at DATABASE_URL; Gatehouse reconnects by itself once it answers (no restart needed), and /readyz reports 503 until then';

/** Socket-level failures (Node error codes) while connecting to or talking with PostgreSQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

/** The pg driver's own connection failures, which carry no code; their texts have been stable across pg 8.x. */
const PG_CONNECTION_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/;

function reasonOf(e: unknown): Reason | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  const message = messageOf(e);
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return { what: `database unreachable (${code})`, hint: POSTGRES_DOWN_HINT };
    if (code.startsWith('SQLITE_')) return sqliteReason(code);
    // PostgreSQL SQLSTATEs, only on errors the server sent (pg sets `severity` on those).
    if ((e as { severity?: unknown }).severity !== undefined) return postgresReason(code);
  }
  if (PG_CONNECTION_MESSAGES.test(message)) return { what: 'database connection lost', hint: POSTGRES_DOWN_HINT };
  return undefined;
}

function postgresReason(sqlstate: string): Reason | undefined {
  if (sqlstate.startsWith('08')) return { what: `database connection failed (SQLSTATE ${sqlstate})`, hint: POSTGRES_DOWN_HINT };
  switch (sqlstate) {
    case '57P01':
    case '57P02':
      return { what: `PostgreSQL is shutting down or restarting (SQLSTATE ${sqlstate})`, hint: POSTGRES_DOWN_HINT };
    case '57P03':
      return { what: `PostgreSQL is starting up or in recovery and not accepting connections yet (SQLSTATE ${sqlstate})`, hint: POSTGRES_DOWN_HINT };
    case '53300':
      return { what: 'PostgreSQL has no connection slots left (SQLSTATE 53300)', hint: 'raise max_connections, or lower the number of Gatehouse instances (each keeps at most 10 connections)' };
    case '53100':
      return { what: 'the disk of the PostgreSQL server is full (SQLSTATE 53100)', hint: 'free disk space on the database server; writes fail until then, reads keep working' };
    case '53200':
      return { what: 'PostgreSQL is out of memory (SQLSTATE 53200)', hint: 'check the database server' };
    case '25006':
      return { what: 'the database is read-only (SQLSTATE 25006)', hint: 'DATABASE_URL points at a read-only server (a standby?); point it at the primary' };
    default:
      return undefined;
  }
}

function sqliteReason(code: string): Reason | undefined {
  if (code === 'SQLITE_FULL') {
    return {
      what: 'the disk holding the SQLite database is full (SQLITE_FULL)',
      hint: 'free disk space where DATABASE_URL points; the failed write was rolled back, nothing else is affected, reads keep working, and writes succeed again once there is space (no restart needed)',
    };
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_LOCKED_')) {
    return { what: `the SQLite database stayed locked for longer than the busy timeout (${code})`, hint: 'another process holds a long write lock on the database file; SQLite is for one instance, use PostgreSQL for several' };
  }
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) {
    return { what: `the disk failed to read or write the SQLite database (${code})`, hint: 'check the disk and file system where DATABASE_URL points (kernel log), and free space if it is full' };
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) {
    return { what: `the SQLite database cannot be written (${code})`, hint: 'check that the database file and its directory are writable by the Gatehouse user' };
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN_')) {
    return { what: `the SQLite database file cannot be opened (${code})`, hint: 'check that the database file and its directory exist and are accessible by the Gatehouse user' };
  }
  return undefined;
}

/** The error, its `cause` chain and an AggregateError's members (pg reports each address it tried), bounded. */
function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 16) {
    const e = queue.shift();
    if (e === undefined || e === null || out.includes(e)) continue;
    out.push(e);
    if (typeof e === 'object') {
      queue.push((e as { cause?: unknown }).cause);
      if (e instanceof AggregateError) queue.push(...e.errors);
    }
  }
  return out;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
