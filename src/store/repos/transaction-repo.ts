import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

export interface LoginTransaction<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  createdAt: Date;
  expiresAt: Date;
}

export type TakeResult<P> = { status: 'ok'; tx: LoginTransaction<P> } | { status: 'expired'; tx: LoginTransaction<P> } | { status: 'missing' };

export class TransactionRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async put<P>(tx: LoginTransaction<P>): Promise<void> {
    await this.db
      .insertInto('login_transactions')
      .values({
        id: tx.id,
        kind: tx.kind,
        payload: JSON.stringify(tx.payload),
        created_at: tx.createdAt.getTime(),
        expires_at: tx.expiresAt.getTime(),
      })
      .execute();
  }

  /**
   * Atomic read-and-delete: of two concurrent takes (on any instances) exactly one gets the transaction, so
   * every state value is single-use. An expired transaction is consumed too, and reported as expired.
   */
  async take<P>(id: string, kind: string, now: Date): Promise<TakeResult<P>> {
    const row = await this.db.deleteFrom('login_transactions').where('id', '=', id).where('kind', '=', kind).returningAll().executeTakeFirst();
    if (!row) return { status: 'missing' };
    const tx: LoginTransaction<P> = {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload) as P,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
    };
    return row.expires_at > now.getTime() ? { status: 'ok', tx } : { status: 'expired', tx };
  }

  /** Reads without consuming (the login page shows the choices of a transaction it does not yet use). */
  async peek<P>(id: string, kind: string): Promise<LoginTransaction<P> | undefined> {
    const row = await this.db.selectFrom('login_transactions').selectAll().where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
    return (
      row && {
        id: row.id,
        kind: row.kind,
        payload: JSON.parse(row.payload) as P,
        createdAt: new Date(row.created_at),
        expiresAt: new Date(row.expires_at),
      }
    );
  }
}
