import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/store.js';
import type { SessionKeyRow } from '../store/repos/session-key-repo.js';
import { keySchedule, type KeySchedule, scheduleChangesAt } from './session-key-schedule.js';
import { SessionKeyRotation } from './session-key-rotation.js';

export { SESSION_KEY_GRACE_MS } from './session-key-schedule.js';

/** How long an instance trusts its view of the key set before reading it again (rotation is announced ahead). */
const REFRESH_MS = 30_000;
/**
 * A token naming a kid this instance does not know triggers a re-read at most this often. Legitimate kids are
 * published (and read by every instance) minutes before they sign, so an unknown kid is almost always forged; without
 * this limit a flood of tokens with random kids would cost one database query each.
 */
const UNKNOWN_KID_RETRY_MS = 5_000;

export interface SessionKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
  certificatePem: string;
  createdAt: Date;
  generation: number;
  activatedAt: Date;
}

export interface SessionKeyringOptions {
  refreshMs?: number;
  unknownKidRetryMs?: number;
}

/**
 * The CF_Authorization signing keys. They live in the store (shared by all instances); this is one instance's view,
 * re-read every REFRESH_MS. Which key signs, verifies or is published is derived from that view and the clock
 * (session-key-schedule.ts), so instances agree without talking to each other. Each re-read also runs the rotation
 * maintenance (session-key-rotation.ts): the lazy check that creates the next key and deletes expired ones.
 */
export class SessionKeyring {
  #keys: SessionKey[] = [];
  #loadedAt = -Infinity;
  #loading: Promise<void> | undefined;
  #unknownKidReadAt = -Infinity;
  #parsed = new Map<string, SessionKey>();
  /** The schedule derived from #keys, valid until `until` (the next state change or the next re-read, if earlier). */
  #view: { schedule: KeySchedule<SessionKey>; from: number; until: number } | undefined;
  readonly #rotation: SessionKeyRotation;
  readonly #refreshMs: number;
  readonly #unknownKidRetryMs: number;

  constructor(
    store: Store,
    private readonly clock: Clock,
    options: SessionKeyringOptions = {},
  ) {
    this.#rotation = new SessionKeyRotation(store, clock);
    this.#refreshMs = options.refreshMs ?? REFRESH_MS;
    this.#unknownKidRetryMs = options.unknownKidRetryMs ?? UNKNOWN_KID_RETRY_MS;
  }

  /** At start: creates the first key (and its published next key) on an empty database, and loads the keys. */
  async ensureKey(): Promise<void> {
    await this.#reload();
  }

  /** Re-reads the store now (tests; and after an admin rotation through this instance). */
  async refresh(): Promise<void> {
    await this.#reload();
  }

  /** What /cdn-cgi/access/certs publishes: the current key first (its public_cert), the next key, previous keys. */
  async keys(): Promise<SessionKey[]> {
    return (await this.#schedule()).published;
  }

  /** Keys a token may be signed by. The next key is not among them: it has signed nothing yet. */
  async verifyingKeys(): Promise<SessionKey[]> {
    return (await this.#schedule()).verifying;
  }

  /** The one key that signs: the newest generation whose activation time has passed. */
  async signingKey(): Promise<SessionKey> {
    const { current } = await this.#schedule();
    // Fail closed: without a current key nothing is signed (a next key is never used early).
    if (!current) throw new Error('no session signing key: ensureKey() was not called at start');
    return current;
  }

  /**
   * A verifying key by kid. An unknown kid re-reads the store at most once per UNKNOWN_KID_RETRY_MS (see there);
   * a kid that is still unknown afterwards is refused: it is not a key this deployment published.
   */
  async byKid(kid: string): Promise<SessionKey | undefined> {
    const found = (await this.verifyingKeys()).find((k) => k.kid === kid);
    if (found) return found;
    const now = this.clock.now().getTime();
    if (now - this.#unknownKidReadAt < this.#unknownKidRetryMs && now >= this.#unknownKidReadAt) return undefined;
    this.#unknownKidReadAt = now;
    await this.#reload();
    return (await this.verifyingKeys()).find((k) => k.kid === kid);
  }

  async #schedule(): Promise<KeySchedule<SessionKey>> {
    const t = this.clock.now().getTime();
    // Every session check asks for the schedule: reuse the derived one until something in it can change.
    if (this.#view && t >= this.#view.from && t < this.#view.until) return this.#view.schedule;
    let now = this.clock.now();
    let view = keySchedule(this.#keys, now);
    // Re-read when the view is old, when the clock went back, or when a rotation just happened in this view (the
    // store then gets its new next key at once rather than up to REFRESH_MS later).
    const rotated = view.current !== undefined && view.current.activatedAt.getTime() > this.#loadedAt;
    if (this.#keys.length === 0 || t - this.#loadedAt > this.#refreshMs || t < this.#loadedAt || rotated) {
      await this.#reload();
      now = this.clock.now();
      view = keySchedule(this.#keys, now);
    }
    this.#view = { schedule: view, from: now.getTime(), until: Math.min(this.#loadedAt + this.#refreshMs + 1, scheduleChangesAt(view, now)) };
    return view;
  }

  /** One re-read at a time per instance: concurrent requests wait for the same one. */
  #reload(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const loadedAt = this.clock.now().getTime();
        const rows = await this.#rotation.maintain();
        this.#keys = await Promise.all(rows.map((r) => this.#parse(r)));
        this.#loadedAt = loadedAt;
        this.#view = undefined;
        // Parsed keys of rows that are gone are dropped with them.
        const live = new Set(rows.map((r) => r.kid));
        for (const kid of this.#parsed.keys()) if (!live.has(kid)) this.#parsed.delete(kid);
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  async #parse(row: SessionKeyRow): Promise<SessionKey> {
    const cached = this.#parsed.get(row.kid);
    // activated_at can move (rescheduling before activation): the rest of a row never changes.
    if (cached) {
      cached.activatedAt = row.activatedAt;
      return cached;
    }
    const privateKey = createPrivateKey(row.privateKeyPem);
    const publicKey = createPublicKey(privateKey);
    const jwk = { ...(await exportJWK(publicKey)), kid: row.kid, alg: 'RS256', use: 'sig' };
    const key: SessionKey = { kid: row.kid, privateKey, publicKey, jwk, certificatePem: row.certificatePem, createdAt: row.createdAt, generation: row.generation, activatedAt: row.activatedAt };
    this.#parsed.set(row.kid, key);
    return key;
  }
}
