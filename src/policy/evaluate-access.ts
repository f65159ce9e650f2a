import { EvaluationState } from './evaluation-state.js';
import { INDETERMINATE, MATCH } from './match-result.js';
import { matchRuleSet } from './match-rule.js';
import { orderPolicies } from './order-policies.js';
import { candidates, policyIndex } from './policy-index.js';
import { type AccessPolicy, type AccessResult, type EvaluationContext, NO_LOOKUPS, type PolicyDecision, type PolicyLookups } from './policy-types.js';

export { isIdentityRule } from './is-identity-rule.js';
export { ruleReferences } from './rule-references.js';

/**
 * Policy evaluation as Cloudflare Access defines it (spec §3.4). A pure function of the policies, the evaluation
 * context and the referenced groups and lists: no I/O, no clock, no globals; the inputs are not modified.
 *
 * - Within a policy: it matches iff some include rule matches, every require rule matches and no exclude rule
 *   matches; a policy without include rules matches no one.
 * - Across policies: bypass and non_identity first, then allow and deny, each by precedence (ties: createdAt, id);
 *   the first match decides. Default deny: no policy, or none matches.
 * - A rule that cannot be evaluated (missing group or list, group cycle, unknown kind: a corrupted store) makes the
 *   policy indeterminate (match-result.ts): an allowing policy then does not match, a deny policy does. Either way
 *   the result is never more permissive than any way the broken rule could have gone.
 *
 * `allowed` is true for a matching allow, bypass or non_identity policy. Gatehouse evaluates at SaaS sign-on, after
 * the login method has identified the user, and the SAML assertion still needs that identity: so bypass and
 * non_identity let the sign-on go ahead rather than skip the login. Cloudflare forbids identity selectors in bypass
 * policies and the admin API enforces it (rule-schema.ts isIdentityRule), so such a policy cannot key on who the
 * user is.
 */
export function evaluateAccess(policies: readonly AccessPolicy[], context: EvaluationContext, lookups: PolicyLookups = NO_LOOKUPS): AccessResult {
  if (policies.length === 0) return { allowed: false, reasons: ['no-policy'] };
  const ordered = orderPolicies(policies);
  // First pass without collecting reasons, visiting only the policies whose include may match (policy-index.ts);
  // the reasons are then gathered for the deciding policy only, or, when nothing matched, for all of them.
  const state = new EvaluationState(context, lookups);
  const visit = candidates(policyIndex(ordered), state);
  for (let i = 0; i < ordered.length; i++) {
    if (visit[i] === 0) continue;
    const policy = ordered[i]!;
    const result = matchRuleSet(policy, state, null);
    const allowing = isAllowing(policy.decision);
    if (result === MATCH || (result === INDETERMINATE && !allowing)) {
      const trail: string[] = [];
      matchRuleSet(policy, new EvaluationState(context, lookups), trail);
      return decided(policy, allowing, unique(trail, 0));
    }
  }
  const trail: string[] = [];
  const explain = new EvaluationState(context, lookups);
  for (const policy of ordered) matchRuleSet(policy, explain, trail);
  const reasons = unique(trail, 0);
  reasons.push('no-matching-policy');
  return { allowed: false, reasons };
}

/** Unknown decisions (a corrupted store) do not allow: they act as deny. */
function isAllowing(decision: PolicyDecision): boolean {
  return decision === 'allow' || decision === 'bypass' || decision === 'non_identity';
}

function decided(policy: AccessPolicy, allowed: boolean, reasons: string[]): AccessResult {
  const result: AccessResult = { allowed, decision: policy.decision, policyId: policy.id, policyName: policy.name, reasons };
  if (policy.sessionDuration) result.sessionDuration = policy.sessionDuration;
  return result;
}

/** trail[from..], first occurrences only (a handful of entries: a linear scan beats a Set). */
function unique(trail: readonly string[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < trail.length; i++) if (!out.includes(trail[i]!)) out.push(trail[i]!);
  return out;
}

/** The same decision by walking every policy in order, without the index: the reference the index is tested against. */
export function evaluateAccessLinear(policies: readonly AccessPolicy[], context: EvaluationContext, lookups: PolicyLookups = NO_LOOKUPS): AccessResult {
  if (policies.length === 0) return { allowed: false, reasons: ['no-policy'] };
  const state = new EvaluationState(context, lookups);
  const trail: string[] = [];
  for (const policy of orderPolicies(policies)) {
    const mark = trail.length;
    const result = matchRuleSet(policy, state, trail);
    const allowing = isAllowing(policy.decision);
    if (result === MATCH || (result === INDETERMINATE && !allowing)) return decided(policy, allowing, unique(trail, mark));
  }
  const reasons = unique(trail, 0);
  reasons.push('no-matching-policy');
  return { allowed: false, reasons };
}
