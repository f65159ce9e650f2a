import type { IdpRecord, SamlIdpRecord } from '../connectors/idp-record.js';
import type { PublicUrls } from '../http/public-urls.js';
import { REDACTED } from './idp-schema.js';

/** The API shape of a login method. The client secret is never returned in clear. */
export function serializeIdp(idp: IdpRecord, urls: PublicUrls): Record<string, unknown> {
  if (idp.type === 'saml') return serializeSamlIdp(idp, urls);
  if (idp.type === 'onetimepin') {
    return { id: idp.id, uid: idp.id, name: idp.name, type: idp.type, config: { redirect_url: urls.callback }, created_at: idp.createdAt.toISOString(), updated_at: idp.updatedAt.toISOString() };
  }
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

/**
 * A SAML login method in Cloudflare's shape. `idp_public_certs` lists exactly the pinned certificates (PEM), i.e. the
 * trust anchors; elided documentation examples that were sent are shown apart, in `placeholder_certs`.
 */
function serializeSamlIdp(idp: SamlIdpRecord, urls: PublicUrls): Record<string, unknown> {
  const c = idp.config;
  return {
    id: idp.id,
    uid: idp.id,
    name: idp.name,
    type: idp.type,
    config: {
      issuer_url: c.issuerUrl,
      sso_target_url: c.ssoTargetUrl,
      idp_public_certs: c.idpPublicCerts,
      sign_request: c.signRequest,
      ...(c.emailAttributeName !== undefined ? { email_attribute_name: c.emailAttributeName } : {}),
      attributes: c.attributes,
      header_attributes: c.headerAttributes.map((h) => ({ attribute_name: h.attributeName, header_name: h.headerName })),
      ...(c.metadataUrl !== undefined ? { metadata_url: c.metadataUrl } : {}),
      ...(c.placeholderCerts?.length ? { placeholder_certs: c.placeholderCerts } : {}),
      redirect_url: urls.callback,
    },
    created_at: idp.createdAt.toISOString(),
    updated_at: idp.updatedAt.toISOString(),
  };
}
