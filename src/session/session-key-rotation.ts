import { createPublicKey } from 'node:crypto';
import { generateSigningCertificate } from '../keys/generate-signing-certificate.js';
import type { Clock } from '../lib/clock.js';
import { sha256Hex } from '../lib/sha256.js';
import type { Store } from '../store/store.js';
import type { SessionKeyRow } from '../store/repos/session-key-repo.js';
import {
  DAY_MS,
  DEFAULT_ROTATION_INTERVAL_DAYS,
  type KeySchedule,
  keySchedule,
  MAX_ROTATION_INTERVAL_DAYS,
  MIN_ROTATION_INTERVAL_DAYS,
  nextActivation,
  PUBLISH_AHEAD_MS,
  RESCHEDULE_NOTICE_MS,
} from './session-key-schedule.js';

const FIRST_KEY_BACKDATE_MS = 5 * 60_000;

/** The settings row holding key_rotation_interval_days (shared by every instance). */
export const ROTATION_INTERVAL_SETTING = 'session_key_rotation_interval_days';

/** Cloudflare's GET/PUT /access/keys and POST /access/keys/rotate result. */
export interface KeyRotationStatus {
  key_rotation_interval_days: number;
  days_until_next_rotation: number;
  last_key_rotation_at: string;
  /** Gatehouse: the exact moment the published next key starts signing. */
  next_key_rotation_at: string | undefined;
}

/**
 * Everything that changes the session keys, as store operations any instance may run at any time: each write either
 * wins a race (unique generation) or is a conditional update, so instances racing here converge on the same rows.
 * The keyring runs `maintain` on its periodic refresh (lazy rotation: no scheduler, works with any number of
 * instances); the admin API runs `rotateNow` and `setInterval`.
 */
export class SessionKeyRotation {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async intervalDays(): Promise<number> {
    const raw = Number(await this.store.settings.get(ROTATION_INTERVAL_SETTING));
    // A damaged value falls back to the default rather than to "never rotate" or "rotate every instant".
    return Number.isInteger(raw) && raw >= MIN_ROTATION_INTERVAL_DAYS && raw <= MAX_ROTATION_INTERVAL_DAYS ? raw : DEFAULT_ROTATION_INTERVAL_DAYS;
  }

  /**
   * Brings the stored keys up to date and returns them: the first key on an empty database (signs at once: nothing
   * can have been verified before it), a published next key whenever none exists, and the keys past their grace
   * period deleted. Returns the rows as they are after these writes.
   */
  async maintain(): Promise<SessionKeyRow[]> {
    let rows = await this.store.sessionKeys.all();
    // At most: the first key, then its next key. Each pass re-reads, so a key another instance won the race to
    // create is the one used from then on.
    for (let pass = 0; pass < 3; pass++) {
      const now = this.clock.now();
      const schedule = keySchedule(rows, now);
      let wrote = false;
      if (!schedule.current && rows.length === 0) {
        // Back-dated a little: an instance whose clock runs slightly behind the creator's must see it as current
        // at once, or it would have no key to sign with at first start.
        await this.#insert(1, (createdAt) => new Date(createdAt.getTime() - FIRST_KEY_BACKDATE_MS));
        wrote = true;
      } else if (schedule.current && !schedule.next) {
        // Published a whole period ahead: created right after the previous rotation, it is in every verifier's key
        // set long before it signs the first token.
        const current = schedule.current;
        const days = await this.intervalDays();
        await this.#insert(current.generation + 1, (createdAt) => nextActivation(current, days, createdAt, createdAt));
        wrote = true;
      }
      for (const gone of schedule.gone) {
        // The private key of a key that can no longer verify anything is not kept.
        await this.store.sessionKeys.delete(gone.kid);
        wrote = true;
      }
      if (!wrote) break;
      rows = await this.store.sessionKeys.all();
    }
    return rows;
  }

  /**
   * Cloudflare's POST /access/keys/rotate: the published next key becomes current as soon as it safely can — after
   * RESCHEDULE_NOTICE_MS (every instance re-reads before then, so all switch together) and never sooner than
   * PUBLISH_AHEAD_MS after it was created (verifiers caching certs have it). The old key keeps verifying for 7 days.
   */
  async rotateNow(): Promise<KeyRotationStatus> {
    const rows = await this.maintain();
    const now = this.clock.now();
    const { next } = keySchedule(rows, now);
    if (next) {
      const at = new Date(Math.max(now.getTime() + RESCHEDULE_NOTICE_MS, next.createdAt.getTime() + PUBLISH_AHEAD_MS));
      // Only ever earlier: a concurrent rotate that already moved it closer wins.
      await this.store.sessionKeys.reschedule(next.kid, at, at);
    }
    return this.status();
  }

  /** Cloudflare's PUT /access/keys: the new period applies to the scheduled next rotation unless it is imminent. */
  async setInterval(days: number): Promise<KeyRotationStatus> {
    await this.store.settings.set(ROTATION_INTERVAL_SETTING, String(days));
    const rows = await this.maintain();
    const now = this.clock.now();
    const { current, next } = keySchedule(rows, now);
    if (current && next) {
      const at = nextActivation(current, days, next.createdAt, now);
      await this.store.sessionKeys.reschedule(next.kid, at, new Date(now.getTime() + RESCHEDULE_NOTICE_MS));
    }
    return this.status();
  }

  async status(): Promise<KeyRotationStatus> {
    const rows = await this.store.sessionKeys.all();
    const now = this.clock.now();
    const schedule: KeySchedule<SessionKeyRow> = keySchedule(rows, now);
    const days = await this.intervalDays();
    const last = schedule.current?.activatedAt ?? now;
    const nextAt = schedule.next?.activatedAt ?? new Date(last.getTime() + days * DAY_MS);
    return {
      key_rotation_interval_days: days,
      days_until_next_rotation: Math.max(0, Math.ceil((nextAt.getTime() - now.getTime()) / DAY_MS)),
      last_key_rotation_at: last.toISOString(),
      next_key_rotation_at: schedule.next?.activatedAt.toISOString(),
    };
  }

  /** Generates a key pair and stores it as `generation` unless another instance stored that generation first. */
  async #insert(generation: number, activation: (createdAt: Date) => Date): Promise<void> {
    const createdAt = this.clock.now();
    const cert = await generateSigningCertificate({ commonName: 'Gatehouse session signing', now: createdAt });
    const kid = sha256Hex(createPublicKey(cert.privateKeyPem).export({ type: 'spki', format: 'der' }));
    await this.store.sessionKeys.insertIfGenerationFree({
      kid,
      privateKeyPem: cert.privateKeyPem,
      certificatePem: cert.certificatePem,
      createdAt,
      generation,
      activatedAt: activation(createdAt),
    });
  }
}
