import type { Kysely } from 'kysely';
import type { SecretBox } from '../../secrets/secret-box.js';
import type { Database } from '../database.js';

export interface ApiTokenRow {
  id: string;
  name: string;
  createdAt: Date;
}

export class ApiTokenRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  /** The token row for a presented bearer token. Only keyed hashes are stored (SecretBox.tokenHash). */
  async findByToken(token: string): Promise<ApiTokenRow | undefined> {
    const tokenHash = this.secrets.tokenHash(token);
    const row = await this.db.selectFrom('api_tokens').select(['id', 'name', 'created_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && { id: row.id, name: row.name, createdAt: new Date(row.created_at) };
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.selectFrom('api_tokens').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** Creates or replaces the token with this id (the bootstrap token is replaced when GATEHOUSE_API_TOKEN changes). */
  async put(id: string, name: string, token: string, now: Date): Promise<void> {
    const tokenHash = this.secrets.tokenHash(token);
    const upsert = () =>
      this.db
        .insertInto('api_tokens')
        .values({ id, name, token_hash: tokenHash, created_at: now.getTime(), last_used_at: null })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name, token_hash: tokenHash, created_at: now.getTime() }))
        .execute();
    try {
      await upsert();
    } catch (e) {
      // Two instances starting together with the same GATEHOUSE_API_TOKEN: on PostgreSQL the second concurrent insert
      // collides on the token_hash index, which ON CONFLICT (id) does not cover. By now the first row is committed,
      // so one more attempt takes the id-conflict path. Any other error, or a second failure, is real.
      if (!isUniqueViolation(e)) throw e;
      await upsert();
    }
  }

  /** Inserts only if no token has this id; returns whether it was inserted. */
  async insertIfAbsent(id: string, name: string, token: string, now: Date): Promise<boolean> {
    const tokenHash = this.secrets.tokenHash(token);
    const res = await this.db
      .insertInto('api_tokens')
      .values({ id, name, token_hash: tokenHash, created_at: now.getTime(), last_used_at: null })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async list(): Promise<Array<ApiTokenRow & { lastUsedAt: Date | undefined }>> {
    const rows = await this.db.selectFrom('api_tokens').select(['id', 'name', 'created_at', 'last_used_at']).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: new Date(Number(r.created_at)), lastUsedAt: r.last_used_at === null ? undefined : new Date(Number(r.last_used_at)) }));
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
