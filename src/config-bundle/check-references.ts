import { groupCycleProblems, groupDepthProblems, type ReferenceTargets, ruleSetProblems } from '../admin-api/reference-checks.js';
import type { FieldProblem } from '../errors/gatehouse-error.js';
import type { CurrentConfig } from './current-config.js';
import { under } from './field-problems.js';
import type { DesiredConfig } from './parse-bundle.js';

/**
 * The checks the API makes against the store, made against the bundle instead: every reference must resolve to an
 * object of the bundle, since the bundle is the whole configuration once applied. Nothing then dangles after a write,
 * whatever existed before. Also refused: a policy id used twice, or used by a different kind of policy in the database.
 * `bases` gives each object's JSON pointer in the bundle.
 */
export function checkReferences(desired: DesiredConfig, current: CurrentConfig, bases: WeakMap<object, string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const targets: ReferenceTargets = {
    groups: new Map(desired.groups.map((g) => [g.id, g])),
    lists: new Map(desired.lists.map((l) => [l.id, l])),
    idpIds: new Set(desired.idps.map((i) => i.record.id)),
  };
  const at = (o: object) => bases.get(o) ?? '';

  for (const g of desired.groups) {
    const cycles = groupCycleProblems(g.id, g, targets.groups);
    problems.push(...under(at(g), [...ruleSetProblems(g, targets, ''), ...cycles]));
    if (cycles.length === 0) problems.push(...under(at(g), groupDepthProblems(g.id, g, targets.groups)));
  }
  for (const p of desired.policies) problems.push(...under(at(p), ruleSetProblems(p, targets, '', p.decision)));

  const reusable = new Set(desired.policies.map((p) => p.id));
  const policyIds = new Map<string, string>(desired.policies.map((p) => [p.id, at(p)]));
  const currentScoped = new Map(current.apps.flatMap((a) => a.policies.filter((p) => p.appId !== null).map((p) => [p.id, a.app] as const)));
  const currentReusable = new Set(current.policies.map((p) => p.id));
  for (const p of desired.policies) {
    const owner = currentScoped.get(p.id);
    if (owner) problems.push({ pointer: `${at(p)}/id`, message: `is an app-scoped policy of app "${owner.name}" (${owner.id}) in the database; give the reusable policy another id` });
  }

  for (const app of desired.apps) {
    const r = app.record;
    r.allowedIdps.forEach((id, i) => {
      if (!targets.idpIds.has(id)) problems.push({ pointer: `${app.base}/allowed_idps/${i}`, message: `no login method with id ${id} in the bundle` });
    });
    if (r.autoRedirectToIdentity && r.allowedIdps.length !== 1) problems.push({ pointer: `${app.base}/auto_redirect_to_identity`, message: 'requires exactly one entry in allowed_idps' });
    r.saasApp.customAttributes.forEach((a, i) =>
      a.source.nameByIdp.forEach((o, j) => {
        if (!targets.idpIds.has(o.idpId)) problems.push({ pointer: `${app.base}/saas_app/custom_attributes/${i}/source/name_by_idp/${j}`, message: `no login method with id ${o.idpId} in the bundle` });
      }),
    );
    const precedences = new Map<number, number>();
    const linked = new Map<string, number>();
    app.links.forEach((l, j) => {
      const pointer = `${app.base}/policies/${j}`;
      if (!reusable.has(l.policyId)) problems.push({ pointer, message: `no reusable policy with id ${l.policyId} in the bundle` });
      const sameId = linked.get(l.policyId);
      if (sameId !== undefined) problems.push({ pointer, message: `policy ${l.policyId} is already at index ${sameId}` });
      linked.set(l.policyId, j);
      const same = precedences.get(l.precedence);
      if (same !== undefined) problems.push({ pointer: `${pointer}/precedence`, message: `precedence ${l.precedence} is already used by index ${same}; it must be unique within an app` });
      precedences.set(l.precedence, j);
    });
    app.inline.forEach((p, j) => {
      const pointer = `${app.base}/policies/${j}`;
      problems.push(...under(pointer, ruleSetProblems(p, targets, '', p.decision)));
      const first = policyIds.get(p.id);
      if (first !== undefined) problems.push({ pointer: `${pointer}/id`, message: `policy id ${p.id} is already used by ${first}` });
      policyIds.set(p.id, pointer);
      const owner = currentScoped.get(p.id);
      if (currentReusable.has(p.id)) problems.push({ pointer: `${pointer}/id`, message: `is a reusable policy in the database; give the app-scoped policy another id (or none)` });
      else if (owner && owner.id !== r.id) problems.push({ pointer: `${pointer}/id`, message: `is a policy of app "${owner.name}" (${owner.id}) in the database; give this one another id (or none)` });
    });
  }
  return problems;
}
