/** Login methods (Cloudflare `identity_providers`) as stored and used inside Gatehouse (camelCase). */
export interface OidcIdpConfig {
  clientId: string;
  /** Stored, never returned by the API. */
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
  certsUrl: string;
  scopes: string[];
  /** Extra ID-token claims kept as `oidc_fields`. */
  claims: string[];
  emailClaimName: string;
  pkceEnabled: boolean;
  /**
   * Gatehouse extension: the expected `iss`. Cloudflare's config has no issuer field, so when this is absent the
   * issuer comes from the provider's discovery document (matched against certs_url), never from the token.
   */
  issuer?: string;
}

export interface OidcIdpRecord {
  id: string;
  name: string;
  type: 'oidc';
  config: OidcIdpConfig;
  createdAt: Date;
  updatedAt: Date;
}

/** Only OIDC exists so far; SAML upstreams and One-time PIN join this union later. */
export type IdpRecord = OidcIdpRecord;
