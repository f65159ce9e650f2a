import type { ChangeAction, Plan } from './plan-changes.js';

const SIGN: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-' };

/** The plan as text: one line per object, with the names of the fields that change (never their values). */
export function formatPlan(plan: Plan): string[] {
  if (plan.changes.length === 0) return ['No changes.'];
  const lines = [`Plan: ${summary(plan)}.`];
  for (const c of plan.changes) {
    const id = c.id ? ` (${c.id})` : '';
    const fields = c.fields.length > 0 ? `: ${c.fields.join(', ')}` : '';
    lines.push(`  ${SIGN[c.action]} ${c.action} ${c.kind} "${c.name}"${id}${fields}`);
  }
  return lines;
}

/** "2 to create, 1 to update, 0 to delete" */
export function summary(plan: Plan, tense: 'plan' | 'done' = 'plan'): string {
  const n = (a: ChangeAction) => plan.changes.filter((c) => c.action === a).length;
  return tense === 'plan'
    ? `${n('create')} to create, ${n('update')} to update, ${n('delete')} to delete`
    : `${n('create')} created, ${n('update')} updated, ${n('delete')} deleted`;
}
