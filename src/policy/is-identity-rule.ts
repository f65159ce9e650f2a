import type { AccessRule } from './policy-types.js';

/**
 * Identity selectors (spec §3.4): rules about who the user is, checked at login. Cloudflare refuses them in bypass
 * policies, which skip the login. A group counts as one (it may contain identity rules; callers that can see the
 * group's rules look through it). Anything not known to be a connection fact (ip, ip_list, geo, certificate,
 * common_name, everyone) is treated as identity: the safe side for a bypass check.
 */
export function isIdentityRule(rule: AccessRule): boolean {
  return !NON_IDENTITY_KINDS.has(soleKind(rule));
}

const NON_IDENTITY_KINDS = new Set(['everyone', 'ip', 'ip_list', 'geo', 'certificate', 'common_name']);

function soleKind(rule: AccessRule): string {
  const keys = Object.keys(rule);
  return keys.length === 1 ? keys[0]! : '';
}
