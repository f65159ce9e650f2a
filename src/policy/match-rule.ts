import type { EvaluationState } from './evaluation-state.js';
import { type IpRange, ipRangeContains, parseIpRange } from './ip-ranges.js';
import { emailListMembers, ipListRanges } from './list-members.js';
import { INDETERMINATE, MATCH, type MatchResult, NO_MATCH } from './match-result.js';
import type { AccessRule, AccessRuleKind } from './policy-types.js';
import { RULE_KINDS } from './rule-kinds.js';

/** Include any, require all, exclude none: a policy or an Access group. */
export interface RuleSet {
  readonly include: readonly AccessRule[];
  readonly require: readonly AccessRule[];
  readonly exclude: readonly AccessRule[];
}

type RuleBody<K extends AccessRuleKind> = Extract<AccessRule, Record<K, unknown>>[K];

/** Groups nested deeper than this are refused like a cycle (fail closed) rather than walked. */
export const MAX_GROUP_DEPTH = 10;

/** Reason strings built once, so that evaluation allocates none. */
const OK = Object.fromEntries(RULE_KINDS.map((k) => [k, `${k}-ok`])) as Record<AccessRuleKind, string>;
const NO = Object.fromEntries(RULE_KINDS.map((k) => [k, `${k}-unauthorized`])) as Record<AccessRuleKind, string>;
const EXCLUDED = new Map(RULE_KINDS.map((k) => [`${k}-ok`, `excluded-${k}-ok`]));
const UNKNOWN_RULE = 'unknown_rule';
const GROUP_MISSING = 'group-missing';
const GROUP_CYCLE = 'group-cycle';
const EMAIL_LIST_MISSING = 'email_list-missing';
const IP_LIST_MISSING = 'ip_list-missing';

/** Claim names whose values are the identity's groups (as map-oidc-claims / map-saml-assertion read them). */
const OIDC_GROUP_CLAIMS = new Set(['groups', 'cognito:groups']);
const SAML_GROUP_ATTRIBUTES = new Set(['groups', 'memberof', 'http://schemas.xmlsoap.org/claims/group']);

/** `ip` rules parse their CIDR once per rule object (rules are immutable once stored); null: it does not parse. */
const ipRuleRanges = new WeakMap<object, IpRange | null>();

/**
 * Evaluates a rule set with Kleene logic (see match-result.ts), short-circuiting as soon as the outcome is certain.
 * `trail`, when given, receives the reasons of the rules that decided: the include that matched (or every include
 * that did not), the require rules evaluated, and `excluded-<kind>-ok` for the exclude that matched. When the result
 * is INDETERMINATE, state.reason is the reason of a rule that made it so.
 */
export function matchRuleSet(set: RuleSet, state: EvaluationState, trail: string[] | null): MatchResult {
  const mark = trail ? trail.length : 0;
  let result: MatchResult = NO_MATCH;
  let undecided = '';
  for (const rule of set.include) {
    const r = matchRule(rule, state);
    if (r === MATCH) {
      if (trail) {
        trail.length = mark;
        trail.push(state.reason);
      }
      result = MATCH;
      break;
    }
    if (r === INDETERMINATE && result === NO_MATCH) {
      result = INDETERMINATE;
      undecided = state.reason;
    }
    trail?.push(state.reason);
  }
  // No include rule matched, or there is none: a set without include rules matches no one (an empty OR is false).
  if (result === NO_MATCH) return NO_MATCH;
  for (const rule of set.require) {
    const r = matchRule(rule, state);
    trail?.push(state.reason);
    if (r === NO_MATCH) return NO_MATCH;
    if (r === INDETERMINATE && result === MATCH) {
      result = INDETERMINATE;
      undecided = state.reason;
    }
  }
  for (const rule of set.exclude) {
    const r = matchRule(rule, state);
    if (r === MATCH) {
      trail?.push(EXCLUDED.get(state.reason) ?? `excluded-${state.reason}`);
      return NO_MATCH;
    }
    if (r === INDETERMINATE) {
      trail?.push(state.reason);
      if (result === MATCH) {
        result = INDETERMINATE;
        undecided = state.reason;
      }
    }
  }
  if (result === INDETERMINATE) state.reason = undecided;
  return result;
}

/** Evaluates one rule; state.reason says why (`<kind>-ok`, `<kind>-unauthorized`, `group-missing`, …). */
export function matchRule(rule: AccessRule, state: EvaluationState): MatchResult {
  const kind = soleKey(rule);
  if (kind === undefined) return indeterminate(state, UNKNOWN_RULE);
  const body = (rule as Record<string, unknown>)[kind];
  try {
    switch (kind as AccessRuleKind) {
      case 'email':
        return verdict(state, 'email', state.email === (body as RuleBody<'email'>).email.trim().toLowerCase());
      case 'email_domain': {
        // The whole domain after the last '@' must equal the rule's: "evil-example.com" is not "example.com", and
        // neither is "sub.example.com" (Cloudflare's "emails ending in" is a domain, not a suffix). A leading '@'
        // in the rule is tolerated.
        const raw = (body as RuleBody<'email_domain'>).domain.trim().toLowerCase();
        const domain = raw.startsWith('@') ? raw.slice(1) : raw;
        return verdict(state, 'email_domain', domain !== '' && state.emailDomain === domain);
      }
      case 'email_list': {
        const list = state.lookups.lists.get((body as RuleBody<'email_list'>).id);
        if (!list || list.type !== 'EMAIL') return indeterminate(state, EMAIL_LIST_MISSING);
        return verdict(state, 'email_list', emailListMembers(list).has(state.email));
      }
      case 'everyone':
        return verdict(state, 'everyone', true);
      case 'group':
        return matchGroup((body as RuleBody<'group'>).id, state);
      case 'ip': {
        const range = ipRuleRange(body as RuleBody<'ip'>);
        if (!range) return indeterminate(state, 'ip-invalid');
        const ip = state.ip;
        return verdict(state, 'ip', ip !== null && ipRangeContains(range, ip));
      }
      case 'ip_list': {
        const list = state.lookups.lists.get((body as RuleBody<'ip_list'>).id);
        if (!list || list.type !== 'IP') return indeterminate(state, IP_LIST_MISSING);
        const ip = state.ip;
        if (ip === null) return verdict(state, 'ip_list', false);
        const { ranges, invalid } = ipListRanges(list);
        for (const range of ranges) if (ipRangeContains(range, ip)) return verdict(state, 'ip_list', true);
        return invalid ? indeterminate(state, 'ip_list-invalid') : verdict(state, 'ip_list', false);
      }
      case 'geo': {
        const code = (body as RuleBody<'geo'>).country_code.toUpperCase();
        return verdict(state, 'geo', code !== '' && state.country === code);
      }
      case 'login_method':
        return verdict(state, 'login_method', (body as RuleBody<'login_method'>).id === state.context.idpId);
      case 'auth_method':
        return verdict(state, 'auth_method', state.context.amr?.includes((body as RuleBody<'auth_method'>).auth_method) === true);
      case 'saml': {
        const b = body as RuleBody<'saml'>;
        return verdict(state, 'saml', matchClaim(state, 'saml', b.attribute_name, b.attribute_value, b.identity_provider_id));
      }
      case 'oidc': {
        const b = body as RuleBody<'oidc'>;
        return verdict(state, 'oidc', matchClaim(state, 'oidc', b.claim_name, b.claim_value, b.identity_provider_id));
      }
      case 'common_name': {
        // Only a certificate the trusted proxy verified counts; the common name compares exactly (X.509 CNs are
        // case-sensitive strings).
        const cert = state.context.certificate;
        return verdict(state, 'common_name', cert?.valid === true && cert.commonName === (body as RuleBody<'common_name'>).common_name);
      }
      case 'certificate':
        return verdict(state, 'certificate', state.context.certificate?.valid === true);
      default:
        // Unknown kinds are refused when saved; one in the store means corruption. It never matches (fail closed).
        return indeterminate(state, UNKNOWN_RULE);
    }
  } catch {
    // A malformed stored value (a number where a string belongs, a null body): corruption again, fail closed.
    return indeterminate(state, `${kind}-invalid`);
  }
}

function matchGroup(id: string, state: EvaluationState): MatchResult {
  const group = state.lookups.groups.get(id);
  if (!group) return indeterminate(state, GROUP_MISSING);
  const known = state.groupResults?.get(id);
  if (known !== undefined) return verdict(state, 'group', known === MATCH);
  // A group that contains itself (directly or not), or a chain deeper than MAX_GROUP_DEPTH, cannot be decided:
  // indeterminate, so that it never grants and, in an exclude or a deny policy, never opens access either.
  if (state.groupPath.length >= MAX_GROUP_DEPTH || state.groupPath.includes(id)) return indeterminate(state, GROUP_CYCLE);
  state.groupPath.push(id);
  let result: MatchResult;
  try {
    result = matchRuleSet(group, state, null);
  } finally {
    state.groupPath.pop();
  }
  if (result === INDETERMINATE) return result; // state.reason: the inner rule's
  // A definite result holds whatever path led here (Kleene logic is sound), so it can be reused in this call.
  (state.groupResults ??= new Map()).set(id, result);
  return verdict(state, 'group', result === MATCH);
}

/**
 * `saml` / `oidc`: the identity came from a login method of that type (and from that one, when the rule names it),
 * and one of the values of the named claim equals the rule's value exactly. The identity's groups count for the
 * claim names they are read from, whether or not the login method keeps that claim.
 */
function matchClaim(state: EvaluationState, type: 'saml' | 'oidc', name: string, value: string, idpId: string | undefined): boolean {
  const context = state.context;
  if (context.idpType !== type) return false;
  if (idpId !== undefined && idpId !== context.idpId) return false;
  const claims = context.claims;
  // Own keys only: a claim named "constructor" or "__proto__" must not read Object.prototype.
  if (claims && Object.hasOwn(claims, name) && claims[name]!.includes(value)) return true;
  const groupNames = type === 'oidc' ? OIDC_GROUP_CLAIMS : SAML_GROUP_ATTRIBUTES;
  return groupNames.has(name.toLowerCase()) && context.groups.includes(value);
}

function ipRuleRange(body: RuleBody<'ip'>): IpRange | null {
  let range = ipRuleRanges.get(body);
  if (range === undefined) {
    range = parseIpRange(body.ip) ?? null;
    ipRuleRanges.set(body, range);
  }
  return range;
}

/** The rule's only key; undefined when it has none or several (a corrupted rule, never guessed at). */
function soleKey(rule: AccessRule): string | undefined {
  let kind: string | undefined;
  for (const key in rule) {
    if (kind !== undefined) return undefined;
    kind = key;
  }
  return kind;
}

function verdict(state: EvaluationState, kind: AccessRuleKind, matched: boolean): MatchResult {
  state.reason = matched ? OK[kind] : NO[kind];
  return matched ? MATCH : NO_MATCH;
}

function indeterminate(state: EvaluationState, reason: string): MatchResult {
  state.reason = reason;
  return INDETERMINATE;
}
