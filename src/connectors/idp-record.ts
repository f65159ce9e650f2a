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

/** Cloudflare's generic SAML config (`AccessSAML.Config`): Gatehouse is the SP, the upstream is the IdP. */
export interface SamlIdpConfig {
  /** The IdP's entity ID; the Issuer of every response must equal it exactly. */
  issuerUrl: string;
  /** Where AuthnRequests go (HTTP-Redirect binding). */
  ssoTargetUrl: string;
  /**
   * The pinned signing certificates, as PEM. They are the only trust anchors (catalogue §0.4 rule 3): a certificate
   * in a message's KeyInfo is never used. More than one allows a rotation window (SP-KEY-06).
   */
  idpPublicCerts: string[];
  /** Sign AuthnRequests (RSA-SHA256, Redirect binding) with Gatehouse's SP key. */
  signRequest: boolean;
  /** Attribute holding the email; when absent, an emailAddress-format NameID is used. */
  emailAttributeName?: string;
  /** Extra attributes kept in the identity (`saml_attributes`). */
  attributes: string[];
  headerAttributes: Array<{ attributeName: string; headerName: string }>;
  /** Gatehouse extension: where the metadata was imported from, if it was given as a URL. */
  metadataUrl?: string;
  /**
   * Gatehouse extension: `idp_public_certs` entries that were elided documentation examples (a run of "..." where
   * the certificate body should be, as in Cloudflare's AWS IAM example), kept verbatim so the admin can see what
   * was sent. They are never certificates and never trust anchors: only `idpPublicCerts` is. When that is empty,
   * the login method refuses every sign-in (fail closed) until a real certificate is set.
   */
  placeholderCerts?: string[];
}

export interface SamlIdpRecord {
  id: string;
  name: string;
  type: 'saml';
  config: SamlIdpConfig;
  createdAt: Date;
  updatedAt: Date;
}

/** Cloudflare's One-time PIN: Gatehouse mails a code; the config is empty. */
export interface OtpIdpRecord {
  id: string;
  name: string;
  type: 'onetimepin';
  config: Record<string, never>;
  createdAt: Date;
  updatedAt: Date;
}

export type IdpRecord = OidcIdpRecord | SamlIdpRecord | OtpIdpRecord;
