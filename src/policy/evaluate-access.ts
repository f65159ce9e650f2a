import type { AccessPolicy, AccessRule } from './policy-types.js';

/**
 * Policy evaluation: a pure function of the policies, who the user is and the request context. Default deny.
 * Within a policy: any include, all require, no exclude. Across policies: by precedence, first match wins.
 * The full engine (bypass/non_identity ordering, groups, ip, geo, ...) grows from this module.
 */
export interface PolicySubject {
  email: string;
  idpId: string;
  groups: readonly string[];
}

export interface AccessResult {
  allowed: boolean;
  decision?: AccessPolicy['decision'];
  policyId?: string;
  policyName?: string;
  /** Why, in Cloudflare's style: `email-ok`, `email_domain-unauthorized`, `no-matching-policy`, ... */
  reasons: string[];
}

type RuleOutcome = { matched: boolean; reason: string };

export function evaluateAccess(policies: readonly AccessPolicy[], subject: PolicySubject): AccessResult {
  const ordered = [...policies].filter((p) => p.decision === 'allow' || p.decision === 'deny').sort(byPrecedence);
  const seen: string[] = [];
  for (const policy of ordered) {
    const result = evaluatePolicy(policy, subject);
    if (result.matched) {
      return {
        allowed: policy.decision === 'allow',
        decision: policy.decision,
        policyId: policy.id,
        policyName: policy.name,
        reasons: result.reasons,
      };
    }
    seen.push(...result.reasons);
  }
  return { allowed: false, reasons: ordered.length === 0 ? ['no-policy'] : [...new Set(seen), 'no-matching-policy'] };
}

function byPrecedence(a: AccessPolicy, b: AccessPolicy): number {
  return a.precedence - b.precedence || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id);
}

export function evaluatePolicy(policy: AccessPolicy, subject: PolicySubject): { matched: boolean; reasons: string[] } {
  // A policy without include rules matches no one (Cloudflare requires at least one).
  const include = policy.include.map((r) => evaluateRule(r, subject));
  const require = policy.require.map((r) => evaluateRule(r, subject));
  const exclude = policy.exclude.map((r) => evaluateRule(r, subject));
  const included = include.some((o) => o.matched);
  const required = require.every((o) => o.matched);
  const excluded = exclude.some((o) => o.matched);
  const reasons = [
    ...include.filter((o) => o.matched === included).map((o) => o.reason),
    ...require.filter((o) => !o.matched || required).map((o) => o.reason),
    ...exclude.filter((o) => o.matched).map((o) => `excluded-${o.reason}`),
  ];
  return { matched: included && required && !excluded, reasons: [...new Set(reasons)] };
}

export function evaluateRule(rule: AccessRule, subject: PolicySubject): RuleOutcome {
  if ('everyone' in rule) return outcome('everyone', true);
  if ('email' in rule) return outcome('email', subject.email === rule.email.email.trim().toLowerCase());
  if ('email_domain' in rule) {
    const domain = rule.email_domain.domain.trim().toLowerCase().replace(/^@/, '');
    // Compare the whole domain after the last '@': "evil-example.com" must not match "example.com".
    return outcome('email_domain', subject.email.slice(subject.email.lastIndexOf('@') + 1) === domain);
  }
  // Unknown kinds are refused when saved; if one ever reaches evaluation it fails closed.
  return outcome('unknown_rule', false);
}

function outcome(kind: string, matched: boolean): RuleOutcome {
  return { matched, reason: `${kind}-${matched ? 'ok' : 'unauthorized'}` };
}
