/**
 * Who the user is, independent of the protocol that told us. Connectors produce it; policy, session and the
 * downstream SAML response consume it. Pure data: no HTTP, no database.
 */
export interface Identity {
  /** Upstream subject (OIDC `sub`, SAML NameID), stable per login method. */
  subject: string;
  /** The login method (identity provider) id that authenticated the user. */
  idpId: string;
  /** The login method type (`oidc`, `saml`, ...), Cloudflare's `connection`. */
  idpType: string;
  /** Lower-cased; policies key on it. */
  email: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  groups: string[];
  /** Upstream claims kept by configuration (`claims` / `attributes`), multi-valued. */
  claims: Record<string, string[]>;
  authn: {
    /** Upstream issuer (OIDC iss / SAML Issuer). */
    issuer: string;
    /** When the upstream authenticated the user. */
    at: Date;
    /** RFC 8176 values when the upstream said (OIDC `amr`). */
    amr: string[];
    /** When the upstream says its session ends (SAML SessionNotOnOrAfter): Gatehouse's session ends no later. */
    notOnOrAfter?: Date;
  };
}
