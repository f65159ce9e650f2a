import { type IpRange, parseIpRange } from './ip-ranges.js';
import type { AccessList } from './policy-types.js';

/**
 * Lists (`email_list`, `ip_list` rules) parsed once per list object. Lookups are snapshots: a list object is not
 * mutated once handed to the evaluator (the store builds a new one when a list changes).
 */
const emailMembers = new WeakMap<AccessList, ReadonlySet<string>>();
const ipRanges = new WeakMap<AccessList, IpListRanges>();

export interface IpListRanges {
  readonly ranges: readonly IpRange[];
  /** Some item did not parse: a non-match against such a list is indeterminate, not a plain no. */
  readonly invalid: boolean;
}

/** The members of an EMAIL list, trimmed and lower-cased (emails compare case-insensitively). */
export function emailListMembers(list: AccessList): ReadonlySet<string> {
  let members = emailMembers.get(list);
  if (!members) {
    members = new Set(list.items.map((item) => item.value.trim().toLowerCase()));
    emailMembers.set(list, members);
  }
  return members;
}

/** The ranges of an IP list (addresses or CIDRs). */
export function ipListRanges(list: AccessList): IpListRanges {
  let parsed = ipRanges.get(list);
  if (!parsed) {
    const ranges: IpRange[] = [];
    let invalid = false;
    for (const item of list.items) {
      const range = parseIpRange(item.value.trim());
      if (range) ranges.push(range);
      else invalid = true;
    }
    parsed = { ranges, invalid };
    ipRanges.set(list, parsed);
  }
  return parsed;
}
