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
    // Insert-or-nothing on any unique conflict, then set: two instances starting together with the same
    // GATEHOUSE_API_TOKEN collide on token_hash as well as on id, and ON CONFLICT (id) DO UPDATE covers only id.
    await this.db
      .insertInto('api_tokens')
      .values({ id, name, token_hash: tokenHash, created_at: now.getTime(), last_used_at: null })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await this.db.updateTable('api_tokens').set({ name, token_hash: tokenHash, created_at: now.getTime() }).where('id', '=', id).execute();
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
