import { z } from 'zod';
import { urlField } from './url-field.js';

/** The value GET returns in place of a stored secret; sending it back on PUT keeps the stored one. */
export const REDACTED = '**********';

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Cloudflare's generic OIDC config (`AccessOIDC.Config`), plus the optional Gatehouse extension `issuer`. */
export const oidcConfigSchema = z
  .object({
    client_id: z.string().min(1).max(1024),
    client_secret: z.string().min(1).max(4096).optional(),
    auth_url: urlField({ allowQuery: true }),
    token_url: urlField(),
    certs_url: urlField(),
    scopes: z.array(z.string().regex(SCOPE, 'must be an OAuth scope token')).max(50).default(['openid', 'email', 'profile']),
    claims: z.array(z.string().min(1).max(256)).max(100).default([]),
    email_claim_name: z.string().min(1).max(256).default('email'),
    // PKCE defaults to on (RFC 9700): Cognito and every current IdP support S256. Send false to turn it off.
    pkce_enabled: z.boolean().default(true),
    issuer: urlField().optional(),
    redirect_url: z.unknown().optional(), // read-only output
  })
  .strict();

const SUPPORTED_TYPES = ['oidc', 'saml', 'onetimepin'] as const;
const CLOUDFLARE_TYPES = ['onetimepin', 'azureAD', 'saml', 'centrify', 'facebook', 'github', 'google-apps', 'google', 'linkedin', 'oidc', 'okta', 'onelogin', 'pingone', 'yandex', 'cloudflare'];

export const idpEnvelopeSchema = z
  .object({
    name: z.string().min(1).max(256),
    type: z.string().superRefine((t, ctx) => {
      if ((SUPPORTED_TYPES as readonly string[]).includes(t)) return;
      ctx.addIssue({
        code: 'custom',
        message: CLOUDFLARE_TYPES.includes(t) ? `type "${t}" is not supported by Gatehouse yet (supported: ${SUPPORTED_TYPES.join(', ')})` : `unknown type "${t}"`,
      });
    }),
    config: z.unknown(),
    scim_config: z
      .object({ enabled: z.literal(false, 'SCIM provisioning is not supported yet') })
      .passthrough()
      .optional(),
    // read-only outputs of a GET, accepted so that GET-modify-PUT works
    id: z.unknown().optional(),
    uid: z.unknown().optional(),
    version: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

/** Cloudflare's One-time PIN config is empty; the read-only redirect_url of a GET is accepted back. */
export const otpConfigSchema = z.object({ redirect_url: z.unknown().optional() }).strict();
