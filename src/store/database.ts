/**
 * Table shapes, shared by both dialects. Portable on purpose: ids are text, times are epoch milliseconds in
 * bigint columns, booleans are integers 0/1, structured values are JSON text. One implementation then serves
 * SQLite and PostgreSQL without dialect branches in the queries.
 */
export interface SettingsTable {
  key: string;
  value: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  /** SHA-256 hex of the whole token; the token itself is never stored. */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
}

export interface IdentityProvidersTable {
  id: string;
  name: string;
  type: string;
  /** Non-secret config as JSON (snake-free, camelCase domain shape). */
  config: string;
  /** Secret config values (client_secret) as JSON, kept apart so no read path can serialise them by accident. */
  secrets: string;
  created_at: number;
  updated_at: number;
}

export interface AppsTable {
  id: string;
  aud: string;
  name: string;
  type: string;
  /** Everything else of the app as JSON (allowed IdPs, saas_app, ...). */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface AppSigningKeysTable {
  id: string;
  app_id: string;
  private_key_pem: string;
  certificate_pem: string;
  not_after: number;
  created_at: number;
}

export interface PoliciesTable {
  id: string;
  /** Owning app for app-scoped policies. */
  app_id: string | null;
  name: string;
  decision: string;
  precedence: number;
  /** {include, exclude, require} as JSON in Cloudflare's rule shapes. */
  rules: string;
  session_duration: string | null;
  created_at: number;
  updated_at: number;
}

export interface SessionKeysTable {
  kid: string;
  private_key_pem: string;
  certificate_pem: string;
  created_at: number;
  /** When it stops signing (rotation); null while current. */
  retired_at: number | null;
}

export interface UsersTable {
  id: string;
  email: string;
  created_at: number;
  last_seen_at: number;
}

export interface IdentitiesTable {
  /** identity_nonce in the session JWT. Deleting the row revokes the session everywhere. */
  nonce: string;
  user_id: string;
  identity: string;
  created_at: number;
  expires_at: number;
}

export interface LoginTransactionsTable {
  id: string;
  kind: string;
  payload: string;
  created_at: number;
  expires_at: number;
}

export interface UsedValuesTable {
  kind: string;
  value: string;
  expires_at: number;
}

export interface Database {
  settings: SettingsTable;
  api_tokens: ApiTokensTable;
  identity_providers: IdentityProvidersTable;
  apps: AppsTable;
  app_signing_keys: AppSigningKeysTable;
  policies: PoliciesTable;
  session_keys: SessionKeysTable;
  users: UsersTable;
  identities: IdentitiesTable;
  login_transactions: LoginTransactionsTable;
  used_values: UsedValuesTable;
}
