import { OIDC_GROUP_CLAIMS, SAML_GROUP_ATTRIBUTES } from '../identity/group-claims.js';
import type { EvaluationState } from './evaluation-state.js';
import { parseIpRange } from './ip-ranges.js';
import { matchRule } from './match-rule.js';
import { NO_MATCH } from './match-result.js';
import type { AccessPolicy, AccessRule } from './policy-types.js';


/**
 * An inverted index over the include rules of an ordered policy list, so that an evaluation visits only the
 * policies whose include could match this request, instead of every rule of every policy.
 *
 * It only ever proves "no include of this policy can match", which means the policy is NO_MATCH whatever its
 * require and exclude say; any rule it cannot reason about exactly (short ip ranges, certificates) is evaluated directly,
 * and any rule that could be indeterminate (a malformed value, an unknown kind) keeps its policy in the candidates,
 * so pruning never changes a result (a property test compares with the full walk).
 */
export interface PolicyIndex {
  /** Policies that must always be evaluated. */
  readonly always: Uint8Array;
  /** Exact facts (email, domain, country, login method, amr, claim values) → policies with such an include. */
  readonly byFact: Map<string, number[]>;
  /** Access groups and lists named by includes → the rule (evaluated once per call) and its policies. */
  readonly byReference: Map<string, { rule: AccessRule; policies: number[] }>;
  /** Include rules evaluated directly (ip ranges, certificate facts). */
  readonly direct: Array<{ rule: AccessRule; policy: number }>;
}

const indexes = new WeakMap<readonly AccessPolicy[], PolicyIndex>();

export function policyIndex(ordered: readonly AccessPolicy[]): PolicyIndex {
  let index = indexes.get(ordered);
  if (index === undefined) {
    index = buildIndex(ordered);
    indexes.set(ordered, index);
  }
  return index;
}

/** The candidate flags for one call: 1 for every policy whose include may match. */
export function candidates(index: PolicyIndex, state: EvaluationState): Uint8Array {
  const flags = index.always.slice();
  const mark = (policies: readonly number[] | undefined) => {
    if (policies) for (const p of policies) flags[p] = 1;
  };
  const ctx = state.context;
  mark(index.byFact.get(`e:${state.email}`));
  if (state.emailDomain !== null) mark(index.byFact.get(`d:${state.emailDomain}`));
  if (state.country !== null) mark(index.byFact.get(`g:${state.country}`));
  mark(index.byFact.get(`m:${ctx.idpId}`));
  const ip = state.ip;
  if (ip !== null) mark(index.byFact.get(ip.v4 ? `i4:${ip.words[0]! >>> 16}` : `i6:${ip.words[0]!}`));
  if (ctx.amr) for (const method of ctx.amr) mark(index.byFact.get(`a:${method}`));
  if (ctx.idpType === 'saml' || ctx.idpType === 'oidc') {
    if (ctx.claims) for (const name of Object.keys(ctx.claims)) for (const value of ctx.claims[name]!) mark(index.byFact.get(`c:${ctx.idpType}:${name}\0${value}`));
    for (const group of ctx.groups) mark(index.byFact.get(`gc:${ctx.idpType}\0${group}`));
  }
  for (const { rule, policies } of index.byReference.values()) if (matchRule(rule, state) !== NO_MATCH) mark(policies);
  for (const { rule, policy } of index.direct) if (flags[policy] === 0 && matchRule(rule, state) !== NO_MATCH) flags[policy] = 1;
  return flags;
}

function buildIndex(ordered: readonly AccessPolicy[]): PolicyIndex {
  const always = new Uint8Array(ordered.length);
  const byFact = new Map<string, number[]>();
  const byReference = new Map<string, { rule: AccessRule; policies: number[] }>();
  const direct: Array<{ rule: AccessRule; policy: number }> = [];
  const addFact = (key: string, policy: number) => {
    const list = byFact.get(key);
    if (list) list.push(policy);
    else byFact.set(key, [policy]);
  };
  ordered.forEach((policy, p) => {
    const include = Array.isArray(policy.include) ? policy.include : null;
    if (include === null) {
      always[p] = 1;
      return;
    }
    for (const rule of include) {
      const placed = place(rule);
      if (placed === 'always') always[p] = 1;
      else if (placed === 'direct') direct.push({ rule, policy: p });
      else if (placed === 'never') continue;
      else if ('reference' in placed) {
        const entry = byReference.get(placed.reference);
        if (entry) entry.policies.push(p);
        else byReference.set(placed.reference, { rule, policies: [p] });
      } else for (const key of placed.facts) addFact(key, p);
    }
  });
  return { always, byFact, byReference, direct };
}

type Placement = 'always' | 'direct' | 'never' | { reference: string } | { facts: string[] };

/** Where an include rule goes in the index; the normalisation mirrors compileRule (match-rule.ts) exactly. */
function place(rule: AccessRule): Placement {
  if (typeof rule !== 'object' || rule === null) return 'always';
  const keys = Object.keys(rule);
  if (keys.length !== 1) return 'always';
  const kind = keys[0]!;
  const body = (rule as Record<string, unknown>)[kind] as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null) return 'always';
  const str = (v: unknown): v is string => typeof v === 'string';
  switch (kind) {
    case 'email':
      return str(body.email) ? { facts: [`e:${body.email.trim().toLowerCase()}`] } : 'always';
    case 'email_domain': {
      if (!str(body.domain)) return 'always';
      const raw = body.domain.trim().toLowerCase();
      const domain = raw.startsWith('@') ? raw.slice(1) : raw;
      return domain === '' ? 'never' : { facts: [`d:${domain}`] };
    }
    case 'geo': {
      if (!str(body.country_code)) return 'always';
      const code = body.country_code.toUpperCase();
      return code === '' ? 'never' : { facts: [`g:${code}`] };
    }
    case 'login_method':
      return str(body.id) ? { facts: [`m:${body.id}`] } : 'always';
    case 'auth_method':
      return str(body.auth_method) ? { facts: [`a:${body.auth_method}`] } : 'always';
    case 'saml':
    case 'oidc': {
      const name = kind === 'saml' ? body.attribute_name : body.claim_name;
      const value = kind === 'saml' ? body.attribute_value : body.claim_value;
      if (!str(name) || !str(value) || (body.identity_provider_id !== undefined && !str(body.identity_provider_id))) return 'always';
      const facts = [`c:${kind}:${name}\0${value}`];
      if ((kind === 'oidc' ? OIDC_GROUP_CLAIMS : SAML_GROUP_ATTRIBUTES).has(name.toLowerCase())) facts.push(`gc:${kind}\0${value}`);
      return { facts };
    }
    case 'group':
    case 'email_list':
    case 'ip_list':
      return str(body.id) ? { reference: `${kind}:${body.id}` } : 'always';
    case 'ip': {
      // Ranges of /16 or longer (IPv4) or /32 or longer (IPv6) can only contain addresses with the same leading
      // 16 / 32 bits: bucketed by those. Shorter ones are checked directly; one that does not parse is indeterminate.
      const range = str(body.ip) ? parseIpRange(body.ip) : undefined;
      if (!range) return 'always';
      if (range.v4 && range.prefix >= 16) return { facts: [`i4:${range.words[0]! >>> 16}`] };
      if (!range.v4 && range.prefix >= 32) return { facts: [`i6:${range.words[0]!}`] };
      return 'direct';
    }
    case 'common_name':
    case 'certificate':
      return 'direct';
    default:
      // everyone, and anything unknown or new: evaluated for every request.
      return 'always';
  }
}
