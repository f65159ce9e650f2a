import type { AccessRuleKind } from './policy-types.js';

/** Every rule kind Gatehouse evaluates; the Record makes the compiler check the list against AccessRuleKind. */
const KINDS: Record<AccessRuleKind, true> = {
  email: true,
  email_domain: true,
  email_list: true,
  everyone: true,
  group: true,
  ip: true,
  ip_list: true,
  geo: true,
  login_method: true,
  auth_method: true,
  saml: true,
  oidc: true,
  common_name: true,
  certificate: true,
};

export const RULE_KINDS = Object.keys(KINDS) as readonly AccessRuleKind[];
