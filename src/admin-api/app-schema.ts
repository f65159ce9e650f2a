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
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

/**
 * An entry of an app's `policies`: an inline policy object. Links to reusable policies (a UUID or {id, precedence})
 * arrive with the policy engine. Inline policies are validated field by field so errors point inside them.
 */
const policyItem = z.unknown().transform((value, ctx): PolicyBody => {
  const isLink = typeof value === 'string' || (typeof value === 'object' && value !== null && !('include' in value) && 'id' in value);
  if (isLink) {
    ctx.addIssue({ code: 'custom', message: 'links to reusable policies are not supported yet; send inline policy objects' });
    return z.NEVER;
  }
  const parsed = policyBody.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) ctx.addIssue({ code: 'custom', path: key === undefined ? issue.path : [...issue.path, key], message: key === undefined ? issue.message : 'unknown field' });
    }
    return z.NEVER;
  }
  return parsed.data;
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
    policies: z.array(policyItem).max(100).optional(),
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
