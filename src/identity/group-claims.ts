/**
 * The upstream claim and attribute names that carry a user's groups. The identity mappers read groups from them,
 * and the policy engine's `oidc` / `saml` rules on these names also match the identity's groups.
 */
export const OIDC_GROUP_CLAIMS: ReadonlySet<string> = new Set(['groups', 'cognito:groups']);
/** Compared in lower case. */
export const SAML_GROUP_ATTRIBUTES: ReadonlySet<string> = new Set(['groups', 'memberof', 'http://schemas.xmlsoap.org/claims/group']);
