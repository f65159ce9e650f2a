import { z } from 'zod';
import { durationField, type PolicyBody, policyBody } from './policy-schema.js';
import { urlField, uuidField } from './url-field.js';

const NAME_FORMATS = [
  'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified',
  'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
  'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
] as const;

/** Cloudflare's SDK types disagree on name_by_idp: params use an array, some responses a map. Both are accepted. */
const nameByIdp = z.union([
  z.array(z.object({ idp_id: uuidField, source_name: z.string().min(1).max(256) }).strict()).max(100),
  z.record(uuidField, z.string().min(1).max(256)),
]);

const customAttribute = z
  .object({
    name: z.string().min(1).max(1024),
    name_format: z.enum(NAME_FORMATS).optional(),
    friendly_name: z.string().max(256).optional(),
    required: z.boolean().default(false),
    source: z.object({ name: z.string().min(1).max(256), name_by_idp: nameByIdp.optional() }).strict(),
  })
  .strict();

const saasAppSchema = z
  .object({
    auth_type: z.literal('saml', 'only "saml" is supported yet').default('saml'),
    sp_entity_id: z.string().min(1).max(1024),
    consumer_service_url: urlField({ allowQuery: true }),
    name_id_format: z.enum(['email', 'id']).default('email'),
    custom_attributes: z.array(customAttribute).max(100).default([]),
    default_relay_state: z.string().max(1024).optional(),
    // read-only outputs
    idp_entity_id: z.unknown().optional(),
    sso_endpoint: z.unknown().optional(),
    public_key: z.unknown().optional(),
    saml_certificates: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

/** An entry of an app's `policies`, as parsed: a link to a reusable policy, or an inline (app-scoped) policy. */
export type AppPolicyItem = { kind: 'link'; id: string; precedence?: number } | { kind: 'inline'; body: PolicyBody };

const policyLink = z
  .object({
    id: uuidField,
    precedence: z.number().int().min(0).max(1_000_000).optional(),
    account_id: z.unknown().optional(),
  })
  .strict();

/**
 * An entry of an app's `policies`, in Cloudflare's three request forms: a reusable policy's UUID, a link
 * `{id, precedence}`, or an inline policy object. A full reusable policy object as an app GET shows it
 * (`reusable: true`) counts as a link, so a GET result can be sent back. Inline policies are validated field by
 * field so errors point inside them.
 */
const policyItem = z.unknown().transform((value, ctx): AppPolicyItem => {
  if (typeof value === 'string') {
    const id = uuidField.safeParse(value);
    if (!id.success) {
      ctx.addIssue({ code: 'custom', message: 'a policy given as a string is the UUID of a reusable policy' });
      return z.NEVER;
    }
    return { kind: 'link', id: id.data };
  }
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (object && (object.reusable === true || (!('include' in object) && 'id' in object))) {
    const link = policyLink.safeParse(object.reusable === true ? { id: object.id, precedence: object.precedence } : object);
    if (!link.success) {
      addIssues(ctx, link.error.issues);
      return z.NEVER;
    }
    return { kind: 'link', id: link.data.id, ...(link.data.precedence === undefined ? {} : { precedence: link.data.precedence }) };
  }
  const parsed = policyBody.safeParse(value);
  if (!parsed.success) {
    addIssues(ctx, parsed.error.issues);
    return z.NEVER;
  }
  return { kind: 'inline', body: parsed.data };
});

function addIssues(ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[]): void {
  for (const issue of issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) ctx.addIssue({ code: 'custom', path: key === undefined ? issue.path : [...issue.path, key], message: key === undefined ? issue.message : 'unknown field' });
  }
}

/** Cloudflare: reusable and inline policies are mutually exclusive within one app. */
const policyItems = z
  .array(policyItem)
  .max(100)
  .superRefine((items, ctx) => {
    if (items.some((i) => i.kind === 'link') && items.some((i) => i.kind === 'inline')) {
      ctx.addIssue({
        code: 'custom',
        message: 'reusable policies (UUIDs or {id, precedence}) and inline policy objects cannot be mixed in one app: use only reusable policies, or only inline ones',
      });
    }
  });

export const appBody = z
  .object({
    type: z.literal('saas', 'only "saas" applications are supported yet'),
    name: z.string().min(1).max(350),
    allowed_idps: z.array(uuidField).max(100).default([]),
    auto_redirect_to_identity: z.boolean().default(false),
    app_launcher_visible: z.boolean().default(true),
    logo_url: urlField().optional(),
    session_duration: durationField.default('24h'),
    policies: policyItems.optional(),
    saas_app: saasAppSchema,
    // read-only outputs
    id: z.unknown().optional(),
    uid: z.unknown().optional(),
    aud: z.unknown().optional(),
    domain: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

export type AppBody = z.infer<typeof appBody>;
