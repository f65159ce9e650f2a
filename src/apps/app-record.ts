/** Access applications (Cloudflare `apps`) as stored and used inside Gatehouse (camelCase). */
export type NameIdFormat = 'email' | 'id';

export interface CustomAttribute {
  /** Attribute Name in the assertion. */
  name: string;
  nameFormat?: string;
  friendlyName?: string;
  required: boolean;
  source: {
    /** Upstream claim / attribute name (or one of the identity fields: email, name, groups, ...). */
    name: string;
    /** Per-login-method override of the source name. */
    nameByIdp: Array<{ idpId: string; sourceName: string }>;
  };
}

export interface SamlSaasApp {
  authType: 'saml';
  spEntityId: string;
  consumerServiceUrl: string;
  nameIdFormat: NameIdFormat;
  customAttributes: CustomAttribute[];
  defaultRelayState?: string;
}

export interface AppRecord {
  id: string;
  /** 64-hex audience tag; also the <id> in /cdn-cgi/access/sso/saml/<id>. Never changes. */
  aud: string;
  name: string;
  type: 'saas';
  /** Login methods allowed for this app; empty means all. */
  allowedIdps: string[];
  autoRedirectToIdentity: boolean;
  appLauncherVisible: boolean;
  logoUrl?: string;
  sessionDuration: string;
  saasApp: SamlSaasApp;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A SAML signing key's place in a certificate rollover: `active` signs every response (exactly one per app);
 * `pending` is published in the metadata so service providers can trust it before the switch, and never signs;
 * `retired` signed before the switch, stays published (so SPs that have not updated yet keep a trusted certificate
 * in the metadata while they do) until an administrator removes it, and never signs again unless re-activated.
 */
export type SigningKeyStatus = 'active' | 'pending' | 'retired';

/** The app's SAML signing key pair. The private key never leaves the server. */
export interface AppSigningKey {
  id: string;
  appId: string;
  privateKeyPem: string;
  certificatePem: string;
  notAfter: Date;
  createdAt: Date;
  /** Defaults to active when inserted. */
  status?: SigningKeyStatus;
}

/** A signing key's public part and its rollover state: what the API, the dashboard and the metadata show. */
export interface AppCertificate {
  id: string;
  appId: string;
  certificatePem: string;
  notAfter: Date;
  createdAt: Date;
  status: SigningKeyStatus;
  activatedAt: Date | undefined;
  retiredAt: Date | undefined;
}
