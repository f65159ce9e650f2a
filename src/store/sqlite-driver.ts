import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/**
 * The SQLite driver for the running Node. better-sqlite3 12 is the last major that supports Node 20, but on Node 24
 * its statements can abort the process when finalised (it subclasses the raw node::ObjectWrap, whose destructor
 * asserts a live Environment since Node 24). better-sqlite3 13 is built on Node-API, fixes that, ships prebuilt
 * binaries, and needs Node 22. Both are installed (13 under the alias better-sqlite3-node22); this picks one.
 */
export function loadSqliteDriver(nodeVersion: string = process.versions.node): { Database: typeof BetterSqlite3; name: string } {
  const major = Number(nodeVersion.split('.')[0]);
  if (major >= 22) {
    try {
      return { Database: require('better-sqlite3-node22') as typeof BetterSqlite3, name: 'better-sqlite3 13 (Node-API)' };
    } catch {
      // Fall through: an install without the optional modern driver still runs on the classic one.
    }
  }
  return { Database: require('better-sqlite3') as typeof BetterSqlite3, name: 'better-sqlite3 12' };
}
