import { GatehouseError, type FieldProblem } from '../errors/gatehouse-error.js';
import { isIdentityRule, ruleReferences } from '../policy/evaluate-access.js';
import { MAX_GROUP_DEPTH } from '../policy/match-rule.js';
import type { AccessGroup, AccessList, AccessPolicy, AccessRule, PolicyDecision } from '../policy/policy-types.js';
import type { Store } from '../store/store.js';

export interface RuleSet {
  include: readonly AccessRule[];
  exclude: readonly AccessRule[];
  require: readonly AccessRule[];
}

/** What rules may point at, loaded once per write (admin writes are rare; these sets are small). */
export interface ReferenceTargets {
  groups: ReadonlyMap<string, AccessGroup>;
  lists: ReadonlyMap<string, AccessList>;
  idpIds: ReadonlySet<string>;
}

const SECTIONS = ['include', 'exclude', 'require'] as const;

export async function loadReferenceTargets(store: Store): Promise<ReferenceTargets> {
  const [groups, lists, idps] = await Promise.all([store.accessGroups.all(), store.accessLists.all(), store.idps.list(0, 100_000)]);
  return { groups, lists, idpIds: new Set(idps.items.map((i) => i.id)) };
}

/**
 * Every rule's references must resolve when saved, so the evaluator never meets a dangling id (it would fail
 * closed, silently). A bypass policy cannot hold identity rules, not even inside a group (Cloudflare: bypass
 * does not depend on who the user is).
 * `base` is the JSON pointer of the rule set in the request body ('' for a top-level policy or group).
 */
export function ruleSetProblems(rules: RuleSet, targets: ReferenceTargets, base: string, decision?: PolicyDecision): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const section of SECTIONS) {
    for (const [i, rule] of rules[section].entries()) {
      const at = `${base}/${section}/${i}`;
      problems.push(...referenceProblems(rule, targets, at));
      if (decision === 'bypass') {
        const identity = identityRuleIn(rule, targets.groups, new Set());
        if (identity) {
          problems.push({
            pointer: at,
            message:
              identity.via === undefined
                ? `a bypass policy cannot contain identity rules ("${identity.kind}"): bypass does not depend on who the user is`
                : `a bypass policy cannot contain identity rules: group ${identity.via} contains a "${identity.kind}" rule (directly or through its groups)`,
          });
        }
      }
    }
  }
  return problems;
}

function referenceProblems(rule: AccessRule, targets: ReferenceTargets, at: string): FieldProblem[] {
  if ('group' in rule && !targets.groups.has(rule.group.id)) return [{ pointer: `${at}/group/id`, message: `no Access group with id ${rule.group.id}` }];
  if ('email_list' in rule) return listProblem(targets.lists.get(rule.email_list.id), rule.email_list.id, 'EMAIL', `${at}/email_list/id`);
  if ('ip_list' in rule) return listProblem(targets.lists.get(rule.ip_list.id), rule.ip_list.id, 'IP', `${at}/ip_list/id`);
  if ('login_method' in rule && !targets.idpIds.has(rule.login_method.id)) {
    return [{ pointer: `${at}/login_method/id`, message: `no identity provider with id ${rule.login_method.id}` }];
  }
  const scoped = 'saml' in rule ? { kind: 'saml', idp: rule.saml.identity_provider_id } : 'oidc' in rule ? { kind: 'oidc', idp: rule.oidc.identity_provider_id } : undefined;
  if (scoped?.idp !== undefined && !targets.idpIds.has(scoped.idp)) {
    return [{ pointer: `${at}/${scoped.kind}/identity_provider_id`, message: `no identity provider with id ${scoped.idp}` }];
  }
  return [];
}

function listProblem(list: AccessList | undefined, id: string, type: AccessList['type'], pointer: string): FieldProblem[] {
  if (!list) return [{ pointer, message: `no list with id ${id}` }];
  if (list.type !== type) return [{ pointer, message: `list ${id} is an ${list.type} list; this rule needs an ${type} list` }];
  return [];
}

/** The first identity rule a rule amounts to, looking through groups (each group visited once). */
function identityRuleIn(rule: AccessRule, groups: ReadonlyMap<string, AccessGroup>, seen: Set<string>, via?: string): { kind: string; via?: string } | undefined {
  if ('group' in rule) {
    const group = groups.get(rule.group.id);
    if (!group || seen.has(group.id)) return undefined;
    seen.add(group.id);
    for (const inner of [...group.include, ...group.require, ...group.exclude]) {
      const found = identityRuleIn(inner, groups, seen, via ?? group.id);
      if (found) return found;
    }
    return undefined;
  }
  return isIdentityRule(rule) ? { kind: Object.keys(rule)[0]!, ...(via === undefined ? {} : { via }) } : undefined;
}

/**
 * A group may not contain itself, directly or through other groups: evaluation would never end. `rules` are the
 * group's rules as about to be saved; the other groups are taken as stored.
 */
export function groupCycleProblems(groupId: string, rules: RuleSet, groups: ReadonlyMap<string, AccessGroup>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const edges = (id: string): string[] => {
    const g = id === groupId ? rules : groups.get(id);
    return g ? [...g.include, ...g.exclude, ...g.require].flatMap((r) => ruleReferences(r).groups) : [];
  };
  for (const section of SECTIONS) {
    for (const [i, rule] of rules[section].entries()) {
      for (const start of ruleReferences(rule).groups) {
        const path = pathTo(start, groupId, edges);
        if (path) problems.push({ pointer: `/${section}/${i}/group/id`, message: `cycle: group ${[groupId, ...path].join(' → ')}` });
      }
    }
  }
  return problems;
}

/**
 * The evaluator walks at most MAX_GROUP_DEPTH nested groups and fails closed beyond. A chain that deep through
 * this group (groups containing it above, groups it contains below) is refused when saved instead. Call only
 * when groupCycleProblems found none.
 */
export function groupDepthProblems(groupId: string, rules: RuleSet, groups: ReadonlyMap<string, AccessGroup>): FieldProblem[] {
  const children = (id: string): string[] => {
    const g = id === groupId ? rules : groups.get(id);
    return g ? [...g.include, ...g.exclude, ...g.require].flatMap((r) => ruleReferences(r).groups).filter((c) => c === groupId || groups.has(c)) : [];
  };
  const parents = new Map<string, string[]>();
  for (const id of new Set([...groups.keys(), groupId])) {
    for (const child of children(id)) parents.set(child, [...(parents.get(child) ?? []), id]);
  }
  // Memoised; a stored cycle elsewhere (two racing writes) counts as too deep instead of recursing forever.
  const longest = (next: (id: string) => string[], self: number) => {
    const memo = new Map<string, number>();
    const walk = (id: string): number => {
      const known = memo.get(id);
      if (known !== undefined) return known;
      memo.set(id, MAX_GROUP_DEPTH + 1);
      const value = self + Math.max(0, ...next(id).map(walk));
      memo.set(id, value);
      return value;
    };
    return walk;
  };
  const below = longest(children, 1);
  const above = longest((id) => parents.get(id) ?? [], 1);
  const depth = above(groupId) - 1 + below(groupId);
  if (depth <= MAX_GROUP_DEPTH) return [];
  return [{ pointer: '/include', message: `groups would nest ${depth} deep through this group; at most ${MAX_GROUP_DEPTH} levels are evaluated` }];
}

/** A path from `from` to `to` along `edges` (depth-first, each node once), or undefined. */
function pathTo(from: string, to: string, edges: (id: string) => string[]): string[] | undefined {
  const seen = new Set<string>();
  const walk = (id: string): string[] | undefined => {
    if (id === to) return [id];
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const next of edges(id)) {
      const rest = walk(next);
      if (rest) return [id, ...rest];
    }
    return undefined;
  };
  return walk(from);
}

/**
 * The other side of the bypass rule: a group that a bypass policy uses (directly or through other groups) cannot
 * be changed to hold identity rules. `rules` are the group's rules as about to be saved.
 */
export async function bypassUserProblems(store: Store, group: AccessGroup, rules: RuleSet, groups: ReadonlyMap<string, AccessGroup>): Promise<FieldProblem[]> {
  const next = new Map(groups).set(group.id, { ...group, include: [...rules.include], exclude: [...rules.exclude], require: [...rules.require] });
  let first: { pointer: string; kind: string } | undefined;
  for (const section of SECTIONS) {
    for (const [i, rule] of rules[section].entries()) {
      const found = first ? undefined : identityRuleIn(rule, next, new Set());
      if (found) first = { pointer: `/${section}/${i}`, kind: found.kind };
    }
  }
  if (!first) return [];
  // This group and every group that reaches it; a bypass policy referencing any of them uses this group.
  const reaching = new Set([group.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const g of next.values()) {
      if (reaching.has(g.id)) continue;
      if ([...g.include, ...g.exclude, ...g.require].some((r) => ruleReferences(r).groups.some((id) => reaching.has(id)))) {
        reaching.add(g.id);
        grew = true;
      }
    }
  }
  const candidates = (await Promise.all([...reaching].map((id) => store.policies.listMentioning(id)))).flat();
  const bypass = new Map(
    candidates
      .filter((p) => p.decision === 'bypass' && [...p.include, ...p.exclude, ...p.require].some((r) => ruleReferences(r).groups.some((id) => reaching.has(id))))
      .map((p) => [p.id, p]),
  );
  if (bypass.size === 0) return [];
  const names = [...bypass.values()].map((p) => `"${p.name}" (${p.id})`).join(', ');
  return [{ pointer: first.pointer, message: `bypass ${bypass.size === 1 ? 'policy' : 'policies'} ${names} ${bypass.size === 1 ? 'uses' : 'use'} this group, so it cannot contain identity rules ("${first.kind}")` }];
}

/** Policies (app-scoped and reusable) and groups whose rules reference a group or a list. */
export async function usersOf(store: Store, kind: 'groups' | 'lists' | 'idps', id: string): Promise<{ policies: AccessPolicy[]; groups: AccessGroup[] }> {
  const refers = (r: RuleSet) => [...r.include, ...r.exclude, ...r.require].some((rule) => (kind === 'idps' ? idpOf(rule) === id : ruleReferences(rule)[kind].includes(id)));
  // The LIKE pre-filter finds candidates; the rules themselves decide (an id could appear inside a value).
  const [policies, groups] = await Promise.all([store.policies.listMentioning(id), store.accessGroups.listMentioning(id)]);
  return { policies: policies.filter(refers), groups: groups.filter((g) => g.id !== id && refers(g)) };
}

/** The login method a rule names: login_method, or the identity_provider_id of a saml / oidc rule. */
function idpOf(rule: AccessRule): string | undefined {
  if ('login_method' in rule) return rule.login_method.id;
  if ('saml' in rule) return rule.saml.identity_provider_id;
  if ('oidc' in rule) return rule.oidc.identity_provider_id;
  return undefined;
}

/** 409 naming who still uses a group or list, or nothing when no one does. */
export function refuseIfUsed(what: string, users: { policies: AccessPolicy[]; groups: AccessGroup[] }): void {
  const names = [
    ...users.policies.map((p) => (p.appId === null ? `reusable policy "${p.name}" (${p.id})` : `policy "${p.name}" (${p.id}) of app ${p.appId}`)),
    ...users.groups.map((g) => `Access group "${g.name}" (${g.id})`),
  ];
  if (names.length === 0) return;
  throw new GatehouseError('API_CONFLICT', { detail: `${what} is still used by ${names.join(', ')}`, hint: 'remove those references first' });
}
