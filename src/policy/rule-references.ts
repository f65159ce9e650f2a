import type { AccessRule } from './policy-types.js';

/** The Access groups and lists a rule points at (by id), for existence and in-use checks in the admin API. */
export function ruleReferences(rule: AccessRule): { groups: string[]; lists: string[] } {
  if ('group' in rule) return { groups: [rule.group.id], lists: [] };
  if ('email_list' in rule) return { groups: [], lists: [rule.email_list.id] };
  if ('ip_list' in rule) return { groups: [], lists: [rule.ip_list.id] };
  return { groups: [], lists: [] };
}
