import type { AccessPolicy, PolicyDecision } from './policy-types.js';

/**
 * The order Cloudflare evaluates an app's policies in (§3.4): Bypass and Service Auth (non_identity) first, then
 * Allow and Block (deny), each group by precedence; ties by createdAt, then id (code-unit order, not the locale's,
 * so that the order never depends on the host). Returns a new array: the input is not touched.
 * Example: [Allow A, Block B, Service Auth C, Bypass D, Allow E] (precedence 1-5) → C, D, A, B, E.
 */
export function orderPolicies(policies: readonly AccessPolicy[]): readonly AccessPolicy[] {
  // The SSO path passes the same cached array on every request of a configuration version: sort it once.
  let ordered = orderedCache.get(policies);
  if (ordered === undefined) {
    ordered = policies.slice().sort(comparePolicies);
    orderedCache.set(policies, ordered);
  }
  return ordered;
}

/** Sorted copies per input array; arrays of policies are not modified after they are built (store, directory). */
const orderedCache = new WeakMap<readonly AccessPolicy[], readonly AccessPolicy[]>();

function comparePolicies(a: AccessPolicy, b: AccessPolicy): number {
  return (
    phase(a.decision) - phase(b.decision) ||
    compareNumbers(a.precedence, b.precedence) ||
    compareNumbers(a.createdAt.getTime(), b.createdAt.getTime()) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Unknown decisions (a corrupted store) sort with allow/deny and are treated as deny by the engine. */
function phase(decision: PolicyDecision): number {
  return decision === 'bypass' || decision === 'non_identity' ? 0 : 1;
}

/** NaN (an invalid date) sorts last, so that the comparison stays a total order. */
function compareNumbers(a: number, b: number): number {
  const x = Number.isNaN(a) ? Infinity : a;
  const y = Number.isNaN(b) ? Infinity : b;
  return x < y ? -1 : x > y ? 1 : 0;
}
