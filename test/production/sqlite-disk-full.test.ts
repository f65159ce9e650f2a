import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqliteDriver } from '../../src/store/sqlite-driver.js';
import { freePort } from '../helpers/free-port.js';
import { type SpawnedGatehouse, spawnGatehouse, stopAllGatehouses } from '../helpers/spawn-gatehouse.js';
import { type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';
import { awsSp, type AwsApp, createAwsApp, signIn } from './saml-sign-in.js';

/**
 * Issue 6, part 2: the disk under a SQLite deployment fills up. Writes get a clear 503 (page or envelope) with a
 * reference the admin's log explains (disk full, free space); reads keep working; once space is freed everything
 * works again without a restart, PRAGMA integrity_check says ok, and no acknowledged write is missing.
 *
 * The disk is a small tmpfs mounted for this test (we run as root). Where mounting is not permitted the suite is
 * skipped, except with CI=true, where that fails.
 */
function canMount(): boolean {
  let problem: string | undefined;
  if (process.getuid?.() !== 0) problem = 'not root';
  else {
    const probe = mkdtempSync(join(tmpdir(), 'gatehouse-mount-probe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
      execFileSync('umount', [probe], { stdio: 'pipe' });
    } catch (e) {
      problem = `mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
    } finally {
      rmdirSync(probe);
    }
  }
  if (!problem) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true requires mounting a tmpfs for the full-disk test: ${problem}`);
  console.warn(`[tests] cannot mount a tmpfs (${problem}); the SQLite full-disk test is skipped (required when CI=true)`);
  return false;
}

const mountable = canMount();

describe.skipIf(!mountable)('SQLite on a full disk', () => {
  let mnt: string | undefined;
  let mounted = false;
  let gh: SpawnedGatehouse;
  let op: OidcPeer | undefined;
  let app: AwsApp;

  beforeAll(async () => {
    mnt = mkdtempSync(join(tmpdir(), 'gatehouse-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt]);
    mounted = true;
    const port = await freePort();
    op = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/cdn-cgi/access/callback`] });
    gh = await spawnGatehouse({ name: 'A', port, databaseUrl: `sqlite:${join(mnt, 'gatehouse.db')}` });
    app = await createAwsApp((p, i) => gh.api(p, i), op);
  });

  afterAll(async () => {
    await stopAllGatehouses();
    await op?.close();
    if (mounted) {
      try {
        execFileSync('umount', [mnt!]);
      } catch {
        execFileSync('umount', ['-l', mnt!]);
      }
    }
    if (mnt) rmSync(mnt, { recursive: true, force: true });
  });

  it('refuses writes clearly, keeps reading, and works again once space is freed, with nothing lost or corrupted', { timeout: 90_000 }, async () => {
    const acknowledged: string[] = [];
    const createGroup = async (i: number) => {
      // A few KB of rules per group, so the disk fills in a handful of writes.
      const include = Array.from({ length: 40 }, (_, k) => ({ email: { email: `member-${i}-${k}-${'x'.repeat(40)}@example.com` } }));
      const res = await gh.api('/groups', { body: { name: `group-${i}`, include } });
      if (res.status === 200) acknowledged.push(res.body.result.id);
      return res;
    };
    for (let i = 0; i < 5; i++) expect((await createGroup(i)).status).toBe(200);
    const before = await signIn(app, op!, { username: 'alice@example.com', password: 'alice-pw' });
    expect(before.ok).toBe(true);

    // Fill the disk to the last byte.
    const filler = join(mnt!, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
      try {
        for (;;) writeSync(fd, chunk, 0, size);
      } catch {
        // next smaller size
      }
    }
    closeSync(fd);

    // Writes: SQLite may still fit a few into pages its WAL already holds; soon one is refused, clearly.
    let refused: { status: number; body: any } | undefined;
    for (let i = 5; i < 200 && !refused; i++) {
      const res = await createGroup(i);
      if (res.status !== 200) refused = res;
    }
    expect(refused, 'no write was refused on a full disk').toBeDefined();
    expect(refused!.status).toBe(503);
    expect(refused!.body).toMatchObject({ success: false, errors: [{ code: 10503 }] });
    const apiRay = /\(reference ([0-9a-f]{16})\)/.exec(refused!.body.errors[0].message)?.[1];
    const apiLine = await gh.waitForLog((l) => l.ray_id === apiRay);
    expect(apiLine).toMatchObject({ code: 'STORE_UNAVAILABLE', event: 'api.error' });
    expect(apiLine.detail).toContain('disk holding the SQLite database is full (SQLITE_FULL)');
    expect(apiLine.hint).toContain('free disk space');

    // A new sign-in needs writes: the user gets the 503 page with a reference id, the admin the reason.
    const blocked = await signIn(app, op!, { username: 'alice@example.com', password: 'alice-pw' });
    expect(blocked.ok).toBe(false);
    const failed = blocked as Extract<typeof blocked, { ok: false }>;
    expect(failed.status).toBe(503);
    expect(failed.body).toContain('Gatehouse cannot reach its database right now. Please try again shortly.');
    const pageLine = await gh.waitForLog((l) => l.ray_id === failed.rayId);
    expect(pageLine).toMatchObject({ code: 'STORE_UNAVAILABLE', event: 'auth.failure' });
    expect(pageLine.detail).toContain('SQLITE_FULL');

    // Reads keep working: the admin API lists what is stored, the SAML metadata is served.
    const listed = await gh.api('/groups?per_page=100');
    expect(listed.status).toBe(200);
    expect(listed.body.result.map((g: { id: string }) => g.id)).toEqual(expect.arrayContaining(acknowledged));
    expect((await fetch(`${app.ssoEndpoint}/saml-metadata`)).status).toBe(200);
    expect((await fetch(`${gh.direct}/readyz`)).status).toBe(200);

    // Space freed: no restart, writes and sign-ins work again.
    unlinkSync(filler);
    expect((await createGroup(1000)).status).toBe(200);
    const after = await signIn(app, op!, { username: 'alice@example.com', password: 'alice-pw' });
    expect(after.ok, JSON.stringify(after)).toBe(true);
    const url = await awsSp(app).getAuthorizeUrlAsync('', undefined, {});
    expect((await (after as { browser: import('../helpers/test-browser.js').TestBrowser }).browser.get(url)).status).toBe(200);
    expect(gh.logs.filter((l) => l.code === 'INTERNAL')).toEqual([]);

    // Stopped cleanly, the file is intact and holds every write that was acknowledged.
    await gh.stop();
    expect(await gh.exited).toEqual({ code: 0, signal: null });
    const Database = loadSqliteDriver().Database;
    const db = new Database(join(mnt!, 'gatehouse.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = new Set((db.prepare('select id from access_groups').all() as Array<{ id: string }>).map((r) => r.id));
      for (const id of acknowledged) expect(ids.has(id), `acknowledged group ${id} is missing`).toBe(true);
    } finally {
      db.close();
    }
  });
});
