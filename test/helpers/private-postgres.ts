import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

/**
 * A PostgreSQL cluster of this test's own (initdb into a temp dir, its own port and socket directory), for tests
 * that stop and restart the database. The machine's shared PostgreSQL on 5432 is never touched: other test files
 * use it at the same time. Built from Debian's server binaries (/usr/lib/postgresql/<version>/bin), run as the
 * `postgres` OS user (the server refuses to run as root).
 */
const PG_LIB = '/usr/lib/postgresql';

function findBinDir(): string | undefined {
  if (!existsSync(PG_LIB)) return undefined;
  const versions = readdirSync(PG_LIB)
    .filter((v) => existsSync(join(PG_LIB, v, 'bin', 'initdb')) && existsSync(join(PG_LIB, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_LIB, versions[0], 'bin') : undefined;
}

function detect(): string | undefined {
  const bin = findBinDir();
  let problem: string | undefined;
  if (!bin) problem = `no PostgreSQL server binaries under ${PG_LIB}`;
  else if (process.getuid?.() !== 0) problem = 'not running as root (needed to run the cluster as the postgres user)';
  else if (!existsSync('/usr/sbin/runuser')) problem = 'runuser not found';
  else {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      problem = 'no postgres OS user';
    }
  }
  if (!problem) return bin;
  if (process.env.CI === 'true') throw new Error(`CI=true requires a private PostgreSQL cluster: ${problem}`);
  console.warn(`[tests] private PostgreSQL cluster unavailable (${problem}); the PostgreSQL fault suites are skipped (required when CI=true)`);
  return undefined;
}

const BIN = detect();

/** Whether a private cluster can be made here: `describe.skipIf(!privatePostgresAvailable)`. Throws with CI=true. */
export const privatePostgresAvailable = BIN !== undefined;

export interface PrivatePostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication on loopback: a throw-away cluster). */
  url: string;
  /** pg_ctl start, waiting until it accepts connections. */
  start(): Promise<void>;
  /** pg_ctl stop -m fast: sessions are disconnected, the shutdown is clean. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it (immediately) and deletes the data directory. */
  destroy(): Promise<void>;
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  if (!BIN) throw new Error('no private PostgreSQL here (check privatePostgresAvailable first)');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const data = join(dir, 'data');
  const port = await freePort();
  // Asynchronous: the tests keep sending requests while the server stops and starts.
  const asPostgres = (program: string, args: string[]) =>
    promisify(execFile)('/usr/sbin/runuser', ['-u', 'postgres', '--', join(BIN, program), ...args], { cwd: dir, timeout: 60_000 });
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=40 -c shared_buffers=16MB -c fsync=off`;
  const ctl = (action: string, extra: string[] = []) => asPostgres('pg_ctl', [action, '-D', data, '-w', '-t', '30', ...extra]);
  let running = false;
  const cluster: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await ctl('start', ['-l', join(dir, 'server.log'), '-o', options]);
      running = true;
    },
    async stop() {
      await ctl('stop', ['-m', 'fast']);
      running = false;
    },
    async restart() {
      await ctl('restart', ['-m', 'fast', '-l', join(dir, 'server.log'), '-o', options]);
      running = true;
    },
    async destroy() {
      if (running) {
        try {
          await ctl('stop', ['-m', 'immediate']);
        } catch {
          // already down
        }
        running = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
