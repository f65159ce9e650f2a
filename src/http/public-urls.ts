/** Every public URL Gatehouse hands out, derived from GATEHOUSE_URL (the team domain) in one place. */
export class PublicUrls {
  readonly base: string;
  readonly origin: string;

  constructor(publicUrl: string) {
    this.base = publicUrl.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
  }

  get secure(): boolean {
    return this.base.startsWith('https://');
  }

  /** The team domain as Cloudflare shows it (auth_domain): host without scheme. */
  get authDomain(): string {
    return new URL(this.base).host;
  }

  /** ACS and redirect URI for every upstream login method, and the upstream SAML SP entity ID. */
  get callback(): string {
    return `${this.base}/cdn-cgi/access/callback`;
  }

  /** Gatehouse's entity ID as the SP of upstream SAML login methods: the callback URL, as in Cloudflare's setup. */
  get samlSpEntityId(): string {
    return this.callback;
  }

  /** SP metadata for upstream SAML IdPs: one for the deployment, one per login method. */
  spMetadata(idpId?: string): string {
    return idpId ? `${this.base}/cdn-cgi/access/${idpId}/saml-metadata` : `${this.base}/cdn-cgi/access/saml-metadata`;
  }

  get certs(): string {
    return `${this.base}/cdn-cgi/access/certs`;
  }

  get loginPage(): string {
    return `${this.base}/cdn-cgi/access/login`;
  }

  /** SSO endpoint of a SaaS SAML app; also its IdP entity ID (idp_entity_id), as Cloudflare does. */
  ssoEndpoint(aud: string): string {
    return `${this.base}/cdn-cgi/access/sso/saml/${aud}`;
  }

  samlMetadata(aud: string): string {
    return `${this.ssoEndpoint(aud)}/saml-metadata`;
  }

  /** Cloudflare's `domain` of a SaaS SAML app: the SSO endpoint without scheme. */
  appDomain(aud: string): string {
    return `${this.authDomain}/cdn-cgi/access/sso/saml/${aud}`;
  }
}
