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

/** The app's SAML signing key pair. The private key never leaves the server. */
export interface AppSigningKey {
  id: string;
  appId: string;
  privateKeyPem: string;
  certificatePem: string;
  notAfter: Date;
  createdAt: Date;
}
