import { describe, expect, it } from 'vitest';
import { ACTIVATION_SKEW_MS, keySchedule, scheduleChangesAt, SESSION_KEY_GRACE_MS } from './session-key-schedule.js';

const t0 = Date.parse('2026-06-01T00:00:00Z');
const key = (kid: string, generation: number, activatedAt: number) => ({ kid, generation, activatedAt: new Date(activatedAt) });

describe('scheduleChangesAt', () => {
  const keys = [key('prev', 1, t0 - 10 * 86_400_000), key('cur', 2, t0 - 86_400_000), key('next', 3, t0 + 3_600_000)];

  it('names the next moment the schedule answers differently, and the schedule is the same just before it', () => {
    const now = new Date(t0);
    const at = scheduleChangesAt(keySchedule(keys, now), now);
    // The earliest change: the previous key's grace ends 7 days after 'cur' activated (6 days from now) is later than
    // the next key starting to verify (1 h minus the skew).
    expect(at).toBe(t0 + 3_600_000 - ACTIVATION_SKEW_MS);
    expect(keySchedule(keys, new Date(at - 1))).toEqual(keySchedule(keys, now));
    expect(keySchedule(keys, new Date(at)).verifying.map((k) => k.kid)).toContain('next');
  });

  it('walks through every state change: verify-early, activation, end of grace', () => {
    const seen: number[] = [];
    let now = new Date(t0);
    for (let i = 0; i < 4; i++) {
      const at = scheduleChangesAt(keySchedule(keys, now), now);
      if (!Number.isFinite(at)) break;
      seen.push(at);
      now = new Date(at);
    }
    expect(seen).toEqual([t0 + 3_600_000 - ACTIVATION_SKEW_MS, t0 + 3_600_000, t0 - 86_400_000 + SESSION_KEY_GRACE_MS, t0 + 3_600_000 + SESSION_KEY_GRACE_MS]);
  });
});
