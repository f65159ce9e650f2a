import { evaluateAccess } from '../src/policy/evaluate-access.js';
import type { AccessGroup, AccessList, AccessPolicy, AccessRule, EvaluationContext, PolicyLookups } from '../src/policy/policy-types.js';

/**
 * Issue 4's scale case: 1,000 policies of 10 rules each, against an identity with 50 groups. The deciding policy is
 * the last one, so every evaluation walks all 1,000; the rules mix every kind a SaaS policy uses (Access groups,
 * lists, IP ranges, countries, IdP groups and claims). Reports evaluations/s and the p99 of single evaluations.
 */
export function measurePolicyScale(durationMs = 3000): { evaluationsPerSec: number; p50Us: number; p99Us: number; policies: number; rulesPerPolicy: number; identityGroups: number } {
  const { policies, context, lookups } = scaleCase();
  const last = evaluateAccess(policies, context, lookups);
  if (!last.allowed || last.policyId !== 'p999') throw new Error(`scale case must be decided by the last policy, got ${JSON.stringify(last)}`);
  for (let i = 0; i < 200; i++) evaluateAccess(policies, context, lookups);
  const samples: number[] = [];
  const end = process.hrtime.bigint() + BigInt(durationMs) * 1_000_000n;
  let total = 0n;
  while (process.hrtime.bigint() < end) {
    const t0 = process.hrtime.bigint();
    evaluateAccess(policies, context, lookups);
    const dt = process.hrtime.bigint() - t0;
    total += dt;
    samples.push(Number(dt) / 1000);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { evaluationsPerSec: samples.length / (Number(total) / 1e9), p50Us: at(0.5), p99Us: at(0.99), policies: policies.length, rulesPerPolicy: 10, identityGroups: context.groups.length };
}

function scaleCase(): { policies: AccessPolicy[]; context: EvaluationContext; lookups: PolicyLookups } {
  const t = new Date(0);
  const groups = new Map<string, AccessGroup>();
  const lists = new Map<string, AccessList>();
  for (let g = 0; g < 50; g++) {
    groups.set(`g${g}`, { id: `g${g}`, name: `group ${g}`, include: [{ email_domain: { domain: `team${g}.example` } }, { oidc: { claim_name: 'department', claim_value: `dept${g}` } }], exclude: [], require: [], isDefault: false, createdAt: t, updatedAt: t });
  }
  for (let l = 0; l < 20; l++) {
    lists.set(`l${l}`, { id: `l${l}`, name: `list ${l}`, type: l % 2 ? 'IP' : 'EMAIL', items: Array.from({ length: 100 }, (_, i) => ({ value: l % 2 ? `10.${l}.${i}.0/24` : `person${i}@list${l}.example`, createdAt: t })), createdAt: t, updatedAt: t });
  }
  const rule = (p: number, r: number): AccessRule => {
    switch (r) {
      case 0:
        return { email: { email: `someone${p}@example.org` } };
      case 1:
        return { email_domain: { domain: `d${p}.example` } };
      case 2:
        return { group: { id: `g${p % 50}` } };
      case 3:
        return { email_list: { id: `l${(p % 10) * 2}` } };
      case 4:
        return { ip: { ip: `198.18.${p % 256}.0/24` } };
      case 5:
        return { ip_list: { id: `l${(p % 10) * 2 + 1}` } };
      case 6:
        return { oidc: { claim_name: 'cognito:groups', claim_value: `not-a-group-${p}` } };
      case 7:
        return { login_method: { id: `other-idp-${p}` } };
      case 8:
        return { auth_method: { auth_method: 'hwk' } };
      default:
        return { saml: { attribute_name: 'role', attribute_value: `role${p}` } };
    }
  };
  const policies: AccessPolicy[] = Array.from({ length: 1000 }, (_, p) => {
    const rules = Array.from({ length: 10 }, (_, r) => rule(p, r));
    const last = p === 999;
    return {
      id: `p${p}`,
      appId: 'app',
      name: `policy ${p}`,
      decision: last ? 'allow' : p % 3 === 0 ? 'deny' : 'allow',
      precedence: p,
      // 7 include rules, 2 require, 1 exclude; only the last policy's include can match (its domain rule).
      include: last ? [...rules.slice(0, 6), { email_domain: { domain: 'example.com' } }] : rules.slice(0, 7),
      require: last ? [{ geo: { country_code: 'US' } }, { login_method: { id: 'cognito' } }] : rules.slice(7, 9),
      exclude: [rules[9]!],
      createdAt: t,
      updatedAt: t,
    };
  });
  const context: EvaluationContext = {
    email: 'alice@example.com',
    idpId: 'cognito',
    idpType: 'oidc',
    groups: Array.from({ length: 50 }, (_, i) => `idp-group-${i}`),
    claims: { 'cognito:groups': Array.from({ length: 50 }, (_, i) => `idp-group-${i}`), department: ['engineering'] },
    amr: ['pwd', 'mfa'],
    ip: '203.0.113.10',
    country: 'US',
  };
  return { policies, context, lookups: { groups, lists } };
}
