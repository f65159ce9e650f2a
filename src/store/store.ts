import { randomUUID } from 'node:crypto';
import { type Kysely, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { AccessLogEntry } from '../logs/access-log.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Database } from './database.js';
import { AccessGroupRepo } from './repos/access-group-repo.js';
import { AccessListRepo } from './repos/access-list-repo.js';
import { AccessLogRepo, accessLogInsert } from './repos/access-log-repo.js';
import { ApiTokenRepo } from './repos/api-token-repo.js';
import { AppRepo } from './repos/app-repo.js';
import { IdentityRepo, identityInsert, type StoredIdentity } from './repos/identity-repo.js';
import { IdpRepo } from './repos/idp-repo.js';
import { PolicyRepo } from './repos/policy-repo.js';
import { SessionKeyRepo } from './repos/session-key-repo.js';
import { SettingsRepo } from './repos/settings-repo.js';
import { TransactionRepo } from './repos/transaction-repo.js';
import { UsedValueRepo } from './repos/used-value-repo.js';
import { UserRepo } from './repos/user-repo.js';

/**
 * Everything Gatehouse keeps lives here, so several instances on one database behave as one. One implementation
 * over Kysely serves SQLite and PostgreSQL; the conformance suite (store.test.ts) runs on both.
 */
export class Store {
  readonly settings: SettingsRepo;
  readonly apiTokens: ApiTokenRepo;
  readonly idps: IdpRepo;
  readonly apps: AppRepo;
  readonly policies: PolicyRepo;
  readonly accessGroups: AccessGroupRepo;
  readonly accessLists: AccessListRepo;
  readonly sessionKeys: SessionKeyRepo;
  readonly users: UserRepo;
  readonly identities: IdentityRepo;
  readonly transactions: TransactionRepo;
  readonly usedValues: UsedValueRepo;
  readonly accessLogs: AccessLogRepo;

  constructor(
    readonly db: Kysely<Database> | Transaction<Database>,
    /** Seals secret columns and keys token hashes (see src/secrets); the repositories apply it, callers see plaintext. */
    readonly secrets: SecretBox,
    private readonly shared: { configListeners: Set<() => void> } = { configListeners: new Set() },
  ) {
    this.settings = new SettingsRepo(db, secrets);
    this.apiTokens = new ApiTokenRepo(db, secrets);
    this.idps = new IdpRepo(db, secrets);
    this.apps = new AppRepo(db, secrets);
    this.policies = new PolicyRepo(db);
    this.accessGroups = new AccessGroupRepo(db);
    this.accessLists = new AccessListRepo(db);
    this.sessionKeys = new SessionKeyRepo(db, secrets);
    this.users = new UserRepo(db);
    this.identities = new IdentityRepo(db);
    this.transactions = new TransactionRepo(db);
    this.usedValues = new UsedValueRepo(db);
    this.accessLogs = new AccessLogRepo(db);
  }

  /** Runs fn atomically: all of its writes land, or none do. */
  async withTransaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return (this.db as Kysely<Database>).transaction().execute((trx) => fn(new Store(trx, this.secrets, this.shared)));
  }

  /**
   * A new session and the authentication log entries of its sign-in, atomically: both land or neither does. On
   * PostgreSQL that is one statement (the identity insert as a data-modifying WITH, which PostgreSQL runs exactly once
   * and in the statement's own transaction): one round trip instead of BEGIN, two inserts and COMMIT, on every
   * sign-in. SQLite has no data-modifying WITH; its transaction costs no round trips.
   */
  async recordSession(identity: StoredIdentity, entries: readonly AccessLogEntry[]): Promise<void> {
    if (entries.length === 0) return this.identities.put(identity);
    if (this.db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`with new_session as (${identityInsert(identity)}) ${accessLogInsert(entries)}`.execute(this.db);
      return;
    }
    await this.withTransaction(async (tx) => {
      await tx.identities.put(identity);
      await tx.accessLogs.insertMany(entries);
    });
  }

  /**
   * Every configuration write goes through here: the change and a new random config_version commit together, so
   * every instance's caches see the change on their next version check (and this instance's at once).
   */
  async changeConfig<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    const result = await this.withTransaction(async (tx) => {
      const r = await fn(tx);
      await tx.settings.set(CONFIG_VERSION_KEY, randomUUID());
      return r;
    });
    for (const listener of this.shared.configListeners) listener();
    return result;
  }

  /** Called after any configuration change made through this process. */
  onConfigChange(listener: () => void): void {
    this.shared.configListeners.add(listener);
  }

  /** The newest migration applied to this database (readiness: it must be the code's latest). */
  async appliedMigration(): Promise<string | undefined> {
    const row = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(this.db);
    return row.rows[0]?.name;
  }

  /** Deletes expired transactions, identities and replay-cache entries. */
  async purgeExpired(now: Date): Promise<void> {
    const t = now.getTime();
    await this.db.deleteFrom('login_transactions').where('expires_at', '<=', t).execute();
    await this.db.deleteFrom('identities').where('expires_at', '<=', t).execute();
    await this.db.deleteFrom('used_values').where('expires_at', '<=', t).execute();
  }
}

export const CONFIG_VERSION_KEY = 'config_version';

export interface Page<T> {
  items: T[];
  total: number;
}
