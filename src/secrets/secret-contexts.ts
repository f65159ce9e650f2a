/**
 * The GCM additional data of each sealed column: a row's secret opens only in that row. One definition, used by the
 * repositories and by the one-time conversion of databases from before encryption at rest.
 */
export const secretContext = {
  idpSecrets: (idpId: string) => `identity_providers:${idpId}:secrets`,
  appSigningKey: (keyId: string) => `app_signing_keys:${keyId}:private_key_pem`,
  sessionKey: (kid: string) => `session_keys:${kid}:private_key_pem`,
  setting: (key: string) => `settings:${key}`,
} as const;

/** Settings whose values are secrets (sealed as a whole). */
export const SECRET_SETTINGS = ['saml_sp_signing_key', 'csrf_key'] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

/** The setting holding the first-run setup link's keyed hash (converted with the API token hashes). */
export const SETUP_TOKEN_SETTING = 'setup_token';
