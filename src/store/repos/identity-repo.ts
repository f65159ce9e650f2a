import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

export interface StoredIdentity {
  nonce: string;
  userId: string;
  /** The identity JSON as get-identity serves it. */
  identity: string;
  createdAt: Date;
  expiresAt: Date;
}

export class IdentityRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async put(row: StoredIdentity): Promise<void> {
    await this.db
      .insertInto('identities')
      .values({
        nonce: row.nonce,
        user_id: row.userId,
        identity: row.identity,
        created_at: row.createdAt.getTime(),
        expires_at: row.expiresAt.getTime(),
      })
      .execute();
  }

  /** The live identity for a session nonce; expired or revoked sessions have none. */
  async get(nonce: string, now: Date): Promise<StoredIdentity | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('nonce', '=', nonce)
      .where('expires_at', '>', now.getTime())
      .executeTakeFirst();
    return (
      row && {
        nonce: row.nonce,
        userId: row.user_id,
        identity: row.identity,
        createdAt: new Date(row.created_at),
        expiresAt: new Date(row.expires_at),
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
