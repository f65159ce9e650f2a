/**
 * The session key life cycle as a pure function of the stored rows and the time, so every instance that reads the
 * same rows derives the same states at the same moment (no flag to keep in sync, no scheduler):
 *
 *   next ──(its activated_at passes)──▶ current ──(successor activates)──▶ previous ──(7 days later)──▶ gone
 *
 * - next: published in /cdn-cgi/access/certs, never signs and never verifies (nothing legitimate was signed by it);
 * - current: the newest generation whose activated_at has passed; the only key that signs;
 * - previous: no longer signs, still verifies (and is published) until SESSION_KEY_GRACE_MS after its successor
 *   activated, so tokens issued just before a rotation stay valid, as Cloudflare documents;
 * - gone: refused everywhere at once (derived from the time, not from a delete), then deleted by maintenance.
 */
export const DAY_MS = 86_400_000;
/** Cloudflare keeps the previous key valid for 7 days after a rotation. */
export const SESSION_KEY_GRACE_MS = 7 * DAY_MS;
/** Cloudflare's default rotation period: 6 weeks. */
export const DEFAULT_ROTATION_INTERVAL_DAYS = 42;
/** Cloudflare's bounds for key_rotation_interval_days. */
export const MIN_ROTATION_INTERVAL_DAYS = 21;
export const MAX_ROTATION_INTERVAL_DAYS = 365;
/**
 * A new key is published at least this long before it signs: longer than /cdn-cgi/access/certs may be cached by
 * relying parties (max-age 300 s) plus an instance's keyring refresh (30 s), so every verifier knows it in time.
 */
export const PUBLISH_AHEAD_MS = 10 * 60_000;
/**
 * An activation is never moved to, or away from, a moment closer than this: every instance re-reads its keys at
 * least every 30 s, so all of them know the (new) activation time before it arrives and switch at the same moment.
 */
export const RESCHEDULE_NOTICE_MS = 2 * 60_000;
/**
 * Instances' clocks differ a little: a next key this close to its activation already verifies, so a token one
 * instance signed just after the switch is not refused by another whose clock is slightly behind.
 */
export const ACTIVATION_SKEW_MS = 60_000;

export interface ScheduledKey {
  kid: string;
  generation: number;
  activatedAt: Date;
}

export interface KeySchedule<K extends ScheduledKey> {
  current: K | undefined;
  /** The key that becomes current next, if one exists yet. */
  next: K | undefined;
  /** Retired keys still inside their grace period, newest first. */
  previous: K[];
  /** Keys past their grace period: never verify; to be deleted. */
  gone: K[];
  /** What /cdn-cgi/access/certs publishes: current first (its public_cert), then next, then previous. */
  published: K[];
  /** What a token may be signed by: current, previous, and next only within ACTIVATION_SKEW_MS of activation. */
  verifying: K[];
  /** When each key stopped (or will stop) signing: its successor's activation. */
  retiredAt: Map<string, Date>;
}

export function keySchedule<K extends ScheduledKey>(keys: readonly K[], now: Date): KeySchedule<K> {
  const byGeneration = [...keys].sort((a, b) => a.generation - b.generation);
  const t = now.getTime();
  let currentIndex = -1;
  byGeneration.forEach((k, i) => {
    if (k.activatedAt.getTime() <= t) currentIndex = i;
  });
  const current = byGeneration[currentIndex];
  // Only the immediate successor is "next"; anything beyond it (which the writers never create) is not published.
  const next = byGeneration[currentIndex + 1];
  const retiredAt = new Map<string, Date>();
  byGeneration.forEach((k, i) => {
    const successor = byGeneration[i + 1];
    if (successor) retiredAt.set(k.kid, successor.activatedAt);
  });
  const previous: K[] = [];
  const gone: K[] = [];
  for (let i = currentIndex - 1; i >= 0; i--) {
    const k = byGeneration[i]!;
    if (t < retiredAt.get(k.kid)!.getTime() + SESSION_KEY_GRACE_MS) previous.push(k);
    else gone.push(k);
  }
  const published = [...(current ? [current] : []), ...(next ? [next] : []), ...previous];
  const nextVerifies = next !== undefined && next.activatedAt.getTime() - ACTIVATION_SKEW_MS <= t;
  const verifying = [...(current ? [current] : []), ...(nextVerifies ? [next] : []), ...previous];
  return { current, next, previous, gone, published, verifying, retiredAt };
}

/**
 * The first moment after `now` at which keySchedule(keys, ·) can answer differently: the next key starting to verify
 * or to sign, or a previous key's grace period ending. Until then a computed schedule stays exact, so the hot path
 * (every session check) reuses it instead of deriving it again per request.
 */
export function scheduleChangesAt<K extends ScheduledKey>(schedule: KeySchedule<K>, now: Date): number {
  const t = now.getTime();
  const moments: number[] = [];
  if (schedule.next) moments.push(schedule.next.activatedAt.getTime() - ACTIVATION_SKEW_MS, schedule.next.activatedAt.getTime());
  for (const k of schedule.previous) moments.push(schedule.retiredAt.get(k.kid)!.getTime() + SESSION_KEY_GRACE_MS);
  return Math.min(Number.POSITIVE_INFINITY, ...moments.filter((m) => m > t));
}

/** When the next key should activate: one period after the current one did, but never before it was published ahead. */
export function nextActivation(current: ScheduledKey, intervalDays: number, nextCreatedAt: Date, now: Date): Date {
  const due = current.activatedAt.getTime() + intervalDays * DAY_MS;
  return new Date(Math.max(due, nextCreatedAt.getTime() + PUBLISH_AHEAD_MS, now.getTime() + RESCHEDULE_NOTICE_MS));
}
