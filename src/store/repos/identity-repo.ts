import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, IdentitiesTable } from '../database.js';

export interface StoredIdentity {
  nonce: string;
  userId: string;
  /** The identity JSON as get-identity serves it. */
  identity: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The insert of one session's identity; also part of the statement in Store.recordSession. */
export function identityInsert(row: StoredIdentity): RawBuilder<unknown> {
  return sql`insert into identities (nonce, user_id, identity, created_at, expires_at)
      values (${row.nonce}, ${row.userId}, ${row.identity}, ${row.createdAt.getTime()}, ${row.expiresAt.getTime()})`;
}

export class IdentityRepo {
  constructor(private readonly db: Kysely<Database>) {}

  // put and get run on every sign-in and every SSO with a live session: plain, portable SQL (see TransactionRepo).
  async put(row: StoredIdentity): Promise<void> {
    await identityInsert(row).execute(this.db);
  }

  /** The live identity for a session nonce; expired or revoked sessions have none. */
  async get(nonce: string, now: Date): Promise<StoredIdentity | undefined> {
    const row = (await sql<IdentitiesTable>`select * from identities where nonce = ${nonce} and expires_at > ${now.getTime()}`.execute(this.db)).rows[0];
    return (
      row && {
        nonce: row.nonce,
        userId: row.user_id,
        identity: row.identity,
        createdAt: new Date(Number(row.created_at)),
        expiresAt: new Date(Number(row.expires_at)),
      }
    );
  }

  /** Revokes a session on every instance at once. */
  async delete(nonce: string): Promise<void> {
    await this.db.deleteFrom('identities').where('nonce', '=', nonce).execute();
  }

  /**
   * Revokes every live session of a user (Cloudflare's revoke_user), on every instance at once: sessions are
   * checked against this table on each use. The email matches case-insensitively, as sign-in treats it.
   */
  async deleteForEmail(email: string): Promise<number> {
    const res = await this.db
      .deleteFrom('identities')
      .where('user_id', 'in', (qb) => qb.selectFrom('users').select('id').where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
