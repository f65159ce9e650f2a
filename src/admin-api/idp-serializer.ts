import type { IdpRecord } from '../connectors/idp-record.js';
import type { PublicUrls } from '../http/public-urls.js';
import { REDACTED } from './idp-schema.js';

/** The API shape of a login method. The client secret is never returned in clear. */
export function serializeIdp(idp: IdpRecord, urls: PublicUrls): Record<string, unknown> {
  if (idp.type !== 'oidc') throw new Error(`serializer for ${idp.type} login methods is not written yet`);
  const c = idp.config;
  return {
    id: idp.id,
    uid: idp.id,
    name: idp.name,
    type: idp.type,
    config: {
      client_id: c.clientId,
      client_secret: REDACTED,
      auth_url: c.authUrl,
      token_url: c.tokenUrl,
      certs_url: c.certsUrl,
      scopes: c.scopes,
      claims: c.claims,
      email_claim_name: c.emailClaimName,
      pkce_enabled: c.pkceEnabled,
      ...(c.issuer ? { issuer: c.issuer } : {}),
      redirect_url: urls.callback,
    },
    created_at: idp.createdAt.toISOString(),
    updated_at: idp.updatedAt.toISOString(),
  };
}
