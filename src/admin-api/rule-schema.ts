import { z } from 'zod';
import { parseIpRange } from '../policy/ip-ranges.js';
import type { AccessRule, AccessRuleKind } from '../policy/policy-types.js';

export { isIdentityRule } from '../policy/is-identity-rule.js';
export { ruleReferences } from '../policy/rule-references.js';

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const DOMAIN = /^@?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const CIDR = /^[0-9a-f:.]+(?:\/(?:0|[1-9][0-9]{0,2}))?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids of groups, lists and login methods: UUIDs, stored lower-case (ids compare exactly when evaluated). */
const idField = z
  .string()
  .regex(UUID, 'must be a UUID')
  .transform((s) => s.toLowerCase());
const text = (max: number) => z.string().min(1, 'must not be empty').max(max);

/** `address` or `address/prefix`, IPv4 (prefix 0-32) or IPv6 (0-128); the address as node:net isIP reads it. */
const cidrField = z
  .string()
  .max(64)
  .refine((s) => CIDR.test(s) && parseIpRange(s) !== undefined, 'must be an IPv4 or IPv6 address or CIDR range, such as 192.0.2.0/24 or 2001:db8::/32');

/** The rule kinds Gatehouse evaluates, in Cloudflare's JSON (spec §3.3). Anything else is refused, never stored. */
const ruleSchemas = {
  email: z.object({ email: z.string().max(254).regex(EMAIL, 'must be an email address') }).strict(),
  email_domain: z.object({ domain: z.string().max(253).regex(DOMAIN, 'must be a domain such as example.com') }).strict(),
  email_list: z.object({ id: idField }).strict(),
  everyone: z.object({}).strict(),
  group: z.object({ id: idField }).strict(),
  ip: z.object({ ip: cidrField }).strict(),
  ip_list: z.object({ id: idField }).strict(),
  geo: z
    .object({
      country_code: z
        .string()
        .regex(/^[a-z]{2}$/i, 'must be an ISO 3166-1 alpha-2 country code such as US')
        .transform((s) => s.toUpperCase()),
    })
    .strict(),
  login_method: z.object({ id: idField }).strict(),
  auth_method: z.object({ auth_method: text(64) }).strict(),
  saml: z.object({ attribute_name: text(512), attribute_value: text(1024), identity_provider_id: idField.optional() }).strict(),
  oidc: z.object({ claim_name: text(512), claim_value: text(1024), identity_provider_id: idField.optional() }).strict(),
  common_name: z.object({ common_name: text(256) }).strict(),
  certificate: z.object({}).strict(),
} as const satisfies Record<AccessRuleKind, z.ZodType>;

/** Cloudflare rule kinds Gatehouse does not evaluate (IdP-specific groups, service tokens, device posture, …). */
const CLOUDFLARE_ONLY_KINDS = new Set([
  'azureAD',
  'okta',
  'gsuite',
  'github-organization',
  'service_token',
  'any_valid_service_token',
  'device_posture',
  'external_evaluation',
  'auth_context',
  'linked_app_token',
  'user_risk_score',
  'cloudflare_account_member',
]);

export const SUPPORTED_RULE_KINDS = Object.keys(ruleSchemas) as AccessRuleKind[];

export const ruleSchema = z.unknown().transform((value, ctx): AccessRule => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'a rule is an object with exactly one key, such as {"email_domain": {"domain": "example.com"}}' });
    return z.NEVER;
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `a rule has exactly one key; this one has ${keys.length}` });
    return z.NEVER;
  }
  const kind = keys[0]!;
  // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
  if (!Object.hasOwn(ruleSchemas, kind)) {
    const supported = `supported: ${SUPPORTED_RULE_KINDS.join(', ')}`;
    const message = CLOUDFLARE_ONLY_KINDS.has(kind) ? `rule kind "${kind}" is not supported by Gatehouse (${supported})` : `unknown rule kind "${kind}" (${supported})`;
    ctx.addIssue({ code: 'custom', path: [kind], message });
    return z.NEVER;
  }
  const parsed = ruleSchemas[kind as AccessRuleKind].safeParse((value as Record<string, unknown>)[kind]);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [kind, ...issue.path], message: issue.message });
    return z.NEVER;
  }
  return { [kind]: parsed.data } as AccessRule;
});
