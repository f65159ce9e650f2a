import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { openDatabase } from '../store/open-database.js';
import { unlockSecrets } from '../secrets/secret-keyring.js';
import { Store } from '../store/store.js';
import { dialectCases, TEST_SECRET_KEY, type TestDatabase } from '../../test/helpers/test-databases.js';
import { SessionKeyring } from './session-keyring.js';
import { SessionKeyRotation } from './session-key-rotation.js';
import { DAY_MS, PUBLISH_AHEAD_MS, SESSION_KEY_GRACE_MS } from './session-key-schedule.js';
import { SessionTokens } from './session-token.js';

/**
 * Session key rotation with a controllable clock, on SQLite and PostgreSQL, with two keyrings standing for two
 * instances: each has its own database connection pool and its own cache, and they share only the database.
 */
const cases = await dialectCases();
const TOKEN_OPTIONS = { issuer: 'https://team.example.com', audience: 'team.example.com', accountId: 'acc', clockSkewSeconds: 60 };
const PERIOD = 42 * DAY_MS;

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`session key rotation on ${dialect.name}`, () => {
    let tdb: TestDatabase;
    let second: { store: Store; close(): Promise<void> };
    let clock: ManualClock;
    let a: SessionKeyring;
    let b: SessionKeyring;

    beforeEach(async () => {
      tdb = await dialect.create();
      // Instance B: another connection to the same database (another process, as far as the database knows).
      const opened = openDatabase(tdb.url);
      const { box } = await unlockSecrets(opened.db, TEST_SECRET_KEY);
      second = { store: new Store(opened.db, box), close: () => opened.close() };
      clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
      a = new SessionKeyring(tdb.store, clock);
      b = new SessionKeyring(second.store, clock);
    });
    afterEach(async () => {
      await second.close();
      await tdb.close();
    });

    const kids = async (k: SessionKeyring) => (await k.keys()).map((x) => x.kid);
    /** Both instances, after at most one refresh interval, sign with the same key and publish the same set. */
    const expectAgreement = async () => {
      clock.advance(31_000);
      expect((await a.signingKey()).kid).toBe((await b.signingKey()).kid);
      expect(await kids(a)).toEqual(await kids(b));
    };

    it('publishes the next key before it signs, switches after the period, keeps the old one 7 days, then refuses it', async () => {
      // Two instances start together on an empty database: one first key and one next key come out of the race.
      await Promise.all([a.ensureKey(), b.ensureKey()]);
      await a.refresh();
      await b.refresh();
      const rows = await tdb.store.sessionKeys.all();
      expect(rows.map((r) => r.generation)).toEqual([1, 2]);
      const first = (await a.signingKey()).kid;
      expect((await b.signingKey()).kid).toBe(first);
      const [, next] = rows;
      // (a) The next key is in certs (published second, after the current key's public_cert) but does not sign.
      expect(await kids(a)).toEqual([first, next!.kid]);
      expect(await kids(b)).toEqual([first, next!.kid]);
      expect(next!.activatedAt.getTime()).toBe(rows[0]!.activatedAt.getTime() + PERIOD);
      const tokens = new SessionTokens(a, TOKEN_OPTIONS);
      const tokensB = new SessionTokens(b, TOKEN_OPTIONS);
      const issue = async (t: SessionTokens) => t.issue({ email: 'alice@example.com', userId: 'u1', nonce: 'n1', now: clock.now(), expiresAt: new Date(clock.now().getTime() + 60 * DAY_MS) });
      const oldToken = await issue(tokens);
      expect(header(oldToken).kid).toBe(first);
      await expectAgreement();

      // Just before the period ends the old key still signs, on both instances.
      clock.set(next!.activatedAt.getTime() - 1000);
      expect((await a.signingKey()).kid).toBe(first);
      expect((await b.signingKey()).kid).toBe(first);
      // (b) At the period's end the next key signs on both instances at once, without any store write.
      clock.set(next!.activatedAt.getTime());
      expect((await a.signingKey()).kid).toBe(next!.kid);
      expect((await b.signingKey()).kid).toBe(next!.kid);
      const newToken = await issue(tokensB);
      expect(header(newToken).kid).toBe(next!.kid);
      // The old key still verifies (on both) and is still published; a new next key has been published at once.
      expect(await tokens.verify(oldToken, clock.now())).toMatchObject({ sub: 'u1' });
      expect(await tokensB.verify(oldToken, clock.now())).toMatchObject({ sub: 'u1' });
      expect(await tokens.verify(newToken, clock.now())).toMatchObject({ sub: 'u1' });
      const third = (await tdb.store.sessionKeys.all()).find((r) => r.generation === 3)!;
      expect(third.activatedAt.getTime()).toBe(next!.activatedAt.getTime() + PERIOD);
      expect(await kids(a)).toEqual([next!.kid, third.kid, first]);
      await expectAgreement();

      // Six days and 23 hours later: still accepted.
      clock.set(next!.activatedAt.getTime() + SESSION_KEY_GRACE_MS - 60_000);
      expect(await tokens.verify(oldToken, clock.now())).toBeDefined();
      expect(await tokensB.verify(oldToken, clock.now())).toBeDefined();
      // (c) Seven days after the switch: gone from certs, refused everywhere, and deleted from the store.
      clock.set(next!.activatedAt.getTime() + SESSION_KEY_GRACE_MS);
      expect(await kids(a)).not.toContain(first);
      expect(await tokens.verify(oldToken, clock.now())).toBeUndefined();
      expect(await tokensB.verify(oldToken, clock.now())).toBeUndefined();
      await expectAgreement();
      expect(await kids(a)).toEqual([next!.kid, third.kid]);
      expect((await tdb.store.sessionKeys.all()).map((r) => r.kid)).not.toContain(first);
      expect(await tokens.verify(newToken, clock.now())).toBeDefined();
    });

    it('a token signed by the published next key is refused: that key has signed nothing yet', async () => {
      await a.ensureKey();
      const next = (await tdb.store.sessionKeys.all())[1]!;
      const forgedWithNext = await new SessionTokens({ signingKey: async () => (await a.keys()).find((k) => k.kid === next.kid)! } as unknown as SessionKeyring, TOKEN_OPTIONS).issue({
        email: 'x@example.com',
        userId: 'u',
        nonce: 'n',
        now: clock.now(),
        expiresAt: new Date(clock.now().getTime() + DAY_MS),
      });
      expect(await new SessionTokens(a, TOKEN_OPTIONS).verify(forgedWithNext, clock.now())).toBeUndefined();
    });

    it('a forced rotation (the admin API) switches every instance at the same announced moment; the interval is shared', async () => {
      await Promise.all([a.ensureKey(), b.ensureKey()]);
      const rotation = new SessionKeyRotation(second.store, clock);
      const before = await rotation.status();
      expect(before).toMatchObject({ key_rotation_interval_days: 42, days_until_next_rotation: 42 });
      const first = (await a.signingKey()).kid;
      const next = (await tdb.store.sessionKeys.all())[1]!;
      // Published for only a minute so far: the switch waits until it has been published PUBLISH_AHEAD_MS.
      clock.advance(60_000);
      const rotated = await rotation.rotateNow();
      expect(Date.parse(rotated.next_key_rotation_at!)).toBe(next.createdAt.getTime() + PUBLISH_AHEAD_MS);
      // Until then the old key signs on both; A learns the new time on its next refresh (at most 30 s later).
      expect((await a.signingKey()).kid).toBe(first);
      await expectAgreement();
      clock.set(Date.parse(rotated.next_key_rotation_at!));
      expect((await a.signingKey()).kid).toBe(next.kid);
      expect((await b.signingKey()).kid).toBe(next.kid);
      await expectAgreement();

      // Racing rotations converge: both ask, one schedule results, both instances follow it.
      clock.advance(DAY_MS);
      const [r1, r2] = await Promise.all([new SessionKeyRotation(tdb.store, clock).rotateNow(), rotation.rotateNow()]);
      expect((await tdb.store.sessionKeys.all()).filter((r) => r.activatedAt.getTime() > clock.now().getTime())).toHaveLength(1);
      const at = Math.min(Date.parse(r1.next_key_rotation_at!), Date.parse(r2.next_key_rotation_at!));
      clock.set(at);
      await expectAgreement();

      // The interval lives in the database: set through one instance, it schedules the next rotation for all.
      const set = await new SessionKeyRotation(tdb.store, clock).setInterval(30);
      expect(set).toMatchObject({ key_rotation_interval_days: 30, days_until_next_rotation: 30 });
      expect(await rotation.intervalDays()).toBe(30);
    });

    it('an unknown kid re-reads the store at most once per few seconds (a flood of forged kids costs no queries)', async () => {
      await a.ensureKey();
      const tokens = new SessionTokens(a, TOKEN_OPTIONS);
      const real = await tokens.issue({ email: 'a@example.com', userId: 'u', nonce: 'n', now: clock.now(), expiresAt: new Date(clock.now().getTime() + DAY_MS) });
      const [h, p, s] = real.split('.') as [string, string, string];
      const forged = (i: number) => `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: i.toString(16).padStart(64, '0'), typ: 'JWT' })).toString('base64url')}.${p}.${s}`;
      expect(h).toBeDefined();
      const reads = vi.spyOn(tdb.store.sessionKeys, 'all');
      for (let i = 0; i < 200; i++) expect(await tokens.verify(forged(i), clock.now())).toBeUndefined();
      expect(reads.mock.calls.length).toBeLessThanOrEqual(1);
      clock.advance(5_000);
      for (let i = 200; i < 400; i++) expect(await tokens.verify(forged(i), clock.now())).toBeUndefined();
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
      // The real token still verifies throughout.
      expect(await tokens.verify(real, clock.now())).toBeDefined();
      reads.mockRestore();
    });
  });
}

function header(token: string): { kid: string } {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
}
