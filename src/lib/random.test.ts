import { describe, expect, it } from 'vitest';
import { randomHex, randomToken } from './random.js';

describe('pooled random values', () => {
  it('never repeats a value across many pool refills, and has the requested length', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const hex = randomHex(8);
      const token = randomToken(32);
      expect(hex).toMatch(/^[0-9a-f]{16}$/);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      seen.add(hex).add(token);
    }
    expect(seen.size).toBe(10_000);
  });

  it('spreads bits evenly (a crude bias check over the pool boundary)', () => {
    let ones = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) for (const c of Buffer.from(randomHex(4), 'hex')) ones += c.toString(2).split('1').length - 1;
    const bits = n * 32;
    expect(Math.abs(ones / bits - 0.5)).toBeLessThan(0.01);
  });

  it('serves large requests directly', () => {
    expect(randomHex(300)).toHaveLength(600);
  });
});
