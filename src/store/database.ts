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
  /** active (signs), pending (published, will sign once activated), retired (published until removed, never signs). */
  status: string;
  activated_at: number | null;
  retired_at: number | null;
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
  /** Before migration 0003: when it stopped signing. Unused since; a key's end follows from its successor. */
  retired_at: number | null;
  /** Unique, increasing: the order of the keys. Null only never (set by migration 0003 and by every insert). */
  generation: number | null;
  /** When the key starts (started) signing; in the future for the published-ahead next key. */
  activated_at: number | null;
}

export interface UsersTable {
  id: string;
  email: string;
  created_at: number;
  last_seen_at: number;
  /** The Identity (JSON) of the user's latest sign-in: what the policy tester evaluates when asked to. */
  last_identity: string | null;
}

export interface AppPolicyLinksTable {
  app_id: string;
  policy_id: string;
  precedence: number;
}

export interface AccessGroupsTable {
  id: string;
  name: string;
  /** {include, exclude, require} as JSON in Cloudflare's rule shapes. */
  rules: string;
  is_default: number;
  created_at: number;
  updated_at: number;
}

export interface AccessListsTable {
  id: string;
  name: string;
  /** EMAIL or IP. */
  type: string;
  description: string | null;
  /** [{value, description, created_at}] as JSON. */
  items: string;
  created_at: number;
  updated_at: number;
}

/** Authentication log, Cloudflare's access_requests fields plus the decision and its reasons. */
export interface AccessLogsTable {
  id: string;
  ray_id: string;
  created_at: number;
  user_email: string;
  ip_address: string;
  country: string | null;
  app_uid: string | null;
  app_domain: string | null;
  app_name: string | null;
  /** login (a sign-in at an upstream login method), sso (an app sign-on with a live session), logout. */
  action: string;
  allowed: number;
  /** The login method type (`oidc`, `saml`), Cloudflare's `connection`. */
  connection: string | null;
  idp_id: string | null;
  policy_id: string | null;
  policy_name: string | null;
  decision: string | null;
  /** JSON array of reason strings. */
  reasons: string;
  /** The Gatehouse error code of a refused or failed attempt. */
  error_code: string | null;
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
  app_policy_links: AppPolicyLinksTable;
  access_groups: AccessGroupsTable;
  access_lists: AccessListsTable;
  access_logs: AccessLogsTable;
}
