import { describe, expect, it } from 'vitest';
import { orderPolicies } from './order-policies.js';
import type { AccessPolicy, PolicyDecision } from './policy-types.js';

function policy(id: string, decision: PolicyDecision, precedence: number, createdAt = '2026-01-01T00:00:00Z'): AccessPolicy {
  const at = new Date(createdAt);
  return { id, appId: 'a', name: id, decision, precedence, include: [{ everyone: {} }], exclude: [], require: [], createdAt: at, updatedAt: at };
}
const ids = (ps: readonly AccessPolicy[]) => ps.map((p) => p.id);

describe('orderPolicies', () => {
  it("orders the spec's example [Allow A, Block B, Service Auth C, Bypass D, Allow E] as C > D > A > B > E", () => {
    const input = [policy('A', 'allow', 1), policy('B', 'deny', 2), policy('C', 'non_identity', 3), policy('D', 'bypass', 4), policy('E', 'allow', 5)];
    expect(ids(orderPolicies(input))).toEqual(['C', 'D', 'A', 'B', 'E']);
  });

  it('puts bypass / non_identity first whatever their precedence, then allow / deny by precedence', () => {
    const input = [policy('allow-1', 'allow', 1), policy('bypass-9', 'bypass', 9), policy('deny-0', 'deny', 0), policy('svc-5', 'non_identity', 5)];
    expect(ids(orderPolicies(input))).toEqual(['svc-5', 'bypass-9', 'deny-0', 'allow-1']);
  });

  it('breaks ties by createdAt, then by id in code-unit order', () => {
    const input = [policy('b', 'allow', 1, '2026-01-02T00:00:00Z'), policy('a', 'allow', 1, '2026-01-02T00:00:00Z'), policy('c', 'deny', 1, '2026-01-01T00:00:00Z'), policy('B', 'allow', 1, '2026-01-02T00:00:00Z')];
    expect(ids(orderPolicies(input))).toEqual(['c', 'B', 'a', 'b']);
  });

  it('sorts an invalid date last rather than breaking the order', () => {
    const input = [policy('x', 'allow', 1, 'not a date'), policy('y', 'allow', 1)];
    expect(ids(orderPolicies(input))).toEqual(['y', 'x']);
    expect(ids(orderPolicies([...input].reverse()))).toEqual(['y', 'x']);
  });

  it('returns a new array and leaves the input alone', () => {
    const input = [policy('2', 'allow', 2), policy('1', 'allow', 1)];
    const out = orderPolicies(input);
    expect(out).not.toBe(input);
    expect(ids(input)).toEqual(['2', '1']);
  });
});
