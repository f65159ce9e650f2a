/**
 * Access policies, groups and lists in Cloudflare's JSON shapes. Rules stay in their wire shape (one key per rule
 * object) so the API, the store and the evaluator agree on one representation.
 */
export type PolicyDecision = 'allow' | 'deny' | 'bypass' | 'non_identity';

export type AccessRule =
  | { email: { email: string } }
  | { email_domain: { domain: string } }
  | { email_list: { id: string } }
  | { everyone: Record<string, never> }
  | { group: { id: string } }
  | { ip: { ip: string } }
  | { ip_list: { id: string } }
  | { geo: { country_code: string } }
  | { login_method: { id: string } }
  | { auth_method: { auth_method: string } }
  | { saml: { attribute_name: string; attribute_value: string; identity_provider_id?: string } }
  | { oidc: { claim_name: string; claim_value: string; identity_provider_id?: string } }
  | { common_name: { common_name: string } }
  | { certificate: Record<string, never> };

export type AccessRuleKind =
  | 'email'
  | 'email_domain'
  | 'email_list'
  | 'everyone'
  | 'group'
  | 'ip'
  | 'ip_list'
  | 'geo'
  | 'login_method'
  | 'auth_method'
  | 'saml'
  | 'oidc'
  | 'common_name'
  | 'certificate';

export interface AccessPolicy {
  id: string;
  /** The owning app of an app-scoped (legacy) policy; null for a reusable policy. */
  appId: string | null;
  name: string;
  decision: PolicyDecision;
  /** Order within an app. For a reusable policy as an app sees it, the precedence of that app's link. */
  precedence: number;
  include: AccessRule[];
  exclude: AccessRule[];
  require: AccessRule[];
  sessionDuration?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An Access group (`/access/groups`): a named rule set referenced by `{"group": {"id": …}}`. */
export interface AccessGroup {
  id: string;
  name: string;
  include: AccessRule[];
  exclude: AccessRule[];
  require: AccessRule[];
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A list (Cloudflare's `/gateway/lists`) referenced by `email_list` and `ip_list` rules. */
export interface AccessList {
  id: string;
  name: string;
  type: 'EMAIL' | 'IP';
  description?: string;
  /** Emails (lower-case) for EMAIL lists; IPv4/IPv6 addresses or CIDRs for IP lists. */
  items: Array<{ value: string; description?: string; createdAt: Date }>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What a policy is evaluated against: the identity (from the upstream login) and the request's connection facts.
 * Connection facts come from the socket or from headers of a configured trusted proxy, and only from there.
 */
export interface EvaluationContext {
  /** Lower-cased. */
  email: string;
  /** The login method (identity provider) id. */
  idpId: string;
  /** The login method type: `oidc`, `saml`, … */
  idpType?: string;
  /** Groups the upstream IdP asserted (OIDC `groups`/`cognito:groups`, SAML `groups`). */
  groups: readonly string[];
  /** Upstream claims kept by configuration: `oidc_fields` or `saml_attributes`, multi-valued. */
  claims?: Readonly<Record<string, readonly string[]>>;
  /** RFC 8176 authentication methods (OIDC `amr`, mapped SAML AuthnContext). */
  amr?: readonly string[];
  /** Client IP address. */
  ip?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string;
  /** Client certificate facts, when a trusted proxy terminated mTLS. */
  certificate?: { valid: boolean; commonName?: string };
}

/** Referenced objects, resolved by the caller (the evaluator never touches the store). */
export interface PolicyLookups {
  groups: ReadonlyMap<string, AccessGroup>;
  lists: ReadonlyMap<string, AccessList>;
}

export const NO_LOOKUPS: PolicyLookups = { groups: new Map(), lists: new Map() };

export interface AccessResult {
  /** True for a matching allow (or bypass / non_identity) policy; false by default. */
  allowed: boolean;
  decision?: PolicyDecision;
  policyId?: string;
  policyName?: string;
  /** The matching policy's session_duration, if it sets one. */
  sessionDuration?: string;
  /** Why, in Cloudflare's style: `email-ok`, `email_domain-unauthorized`, `group-ok`, `no-matching-policy`, … */
  reasons: string[];
}
