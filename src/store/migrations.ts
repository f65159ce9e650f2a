import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

/** Migrations live in code so the build ships them; the same DDL runs on SQLite and PostgreSQL. */
export const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema
        .createTable('identity_providers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('aud', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('app_signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('private_key_pem', 'text', (c) => c.notNull())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('app_signing_keys_app').on('app_signing_keys').column('app_id').execute();
      await db.schema
        .createTable('policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.references('apps.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('precedence', 'integer', (c) => c.notNull())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('session_duration', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('policies_app').on('policies').column('app_id').execute();
      await db.schema
        .createTable('session_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('private_key_pem', 'text', (c) => c.notNull())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('identities')
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('identities_expiry').on('identities').column('expires_at').execute();
      await db.schema
        .createTable('login_transactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_transactions_expiry').on('login_transactions').column('expires_at').execute();
      await db.schema
        .createTable('used_values')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('used_values_pk', ['kind', 'value'])
        .execute();
    },
  },
  '0002_policies_groups_lists_logs': {
    async up(db: Kysely<any>) {
      // Reusable policies are rows of `policies` with app_id null; an app uses them through a link that carries
      // the precedence within that app.
      await db.schema
        .createTable('app_policy_links')
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('policy_id', 'text', (c) => c.notNull().references('policies.id').onDelete('cascade'))
        .addColumn('precedence', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_policy_links_pk', ['app_id', 'policy_id'])
        .execute();
      await db.schema.createIndex('app_policy_links_policy').on('app_policy_links').column('policy_id').execute();
      await db.schema
        .createTable('access_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('access_lists')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('access_logs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ray_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('user_email', 'text', (c) => c.notNull())
        .addColumn('ip_address', 'text', (c) => c.notNull())
        .addColumn('country', 'text')
        .addColumn('app_uid', 'text')
        .addColumn('app_domain', 'text')
        .addColumn('app_name', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('allowed', 'integer', (c) => c.notNull())
        .addColumn('connection', 'text')
        .addColumn('idp_id', 'text')
        .addColumn('policy_id', 'text')
        .addColumn('policy_name', 'text')
        .addColumn('decision', 'text')
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .execute();
      await db.schema.createIndex('access_logs_created').on('access_logs').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('access_logs_email').on('access_logs').columns(['user_email', 'created_at']).execute();
      // The identity each user was last seen with, for the policy tester.
      await db.schema.alterTable('users').addColumn('last_identity', 'text').execute();
    },
  },
  '0003_key_rotation': {
    async up(db: Kysely<any>) {
      // Session keys: `generation` orders the keys (unique, so two instances creating "the next key" at once
      // collide and one insert wins); `activated_at` is when a key starts signing, set when the key is created, in
      // the future for the published-ahead next key. A key stops verifying a grace period after its successor's
      // activation. Existing keys get generations in creation order and activated_at = created_at.
      await db.schema.alterTable('session_keys').addColumn('generation', 'integer').execute();
      await db.schema.alterTable('session_keys').addColumn('activated_at', 'bigint').execute();
      await sql`update session_keys set activated_at = created_at,
        generation = 1 + (select count(*) from session_keys s2
          where s2.created_at < session_keys.created_at or (s2.created_at = session_keys.created_at and s2.kid < session_keys.kid))`.execute(db);
      await db.schema.createIndex('session_keys_generation').on('session_keys').column('generation').unique().execute();
      // App SAML signing keys: status active | pending | retired. Until now the newest key of an app signed.
      // Default active: a writer that does not know the column (an older tool inserting an app's one key) leaves a
      // signing app, and a second such key for the same app is refused by the unique index below rather than kept.
      await db.schema.alterTable('app_signing_keys').addColumn('status', 'text', (c) => c.notNull().defaultTo('active')).execute();
      await db.schema.alterTable('app_signing_keys').addColumn('activated_at', 'bigint').execute();
      await db.schema.alterTable('app_signing_keys').addColumn('retired_at', 'bigint').execute();
      await sql`update app_signing_keys set status = 'retired'
        where id <> (select k2.id from app_signing_keys k2 where k2.app_id = app_signing_keys.app_id order by k2.created_at desc, k2.id desc limit 1)`.execute(db);
      await sql`update app_signing_keys set activated_at = created_at where status = 'active'`.execute(db);
      // At most one active and one pending key per app, enforced by the database so concurrent admin requests on
      // different instances cannot leave two keys signing (partial unique indexes: SQLite and PostgreSQL both have them).
      await db.schema.createIndex('app_signing_keys_one_active').on('app_signing_keys').column('app_id').unique().where(sql.ref('status'), '=', sql.lit('active')).execute();
      await db.schema.createIndex('app_signing_keys_one_pending').on('app_signing_keys').column('app_id').unique().where(sql.ref('status'), '=', sql.lit('pending')).execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`, { cause: error });
  }
}

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1)!;
