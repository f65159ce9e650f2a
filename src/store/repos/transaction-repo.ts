import { type Kysely, sql } from 'kysely';
import type { LoginTransactionsTable } from '../database.js';
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

  // put and take run on every sign-in: written as plain SQL (the same text on SQLite and PostgreSQL; values are bound
  // parameters), since Kysely's query builder costs about as much CPU as the statement itself here (bench/).
  async put<P>(tx: LoginTransaction<P>): Promise<void> {
    await sql`insert into login_transactions (id, kind, payload, created_at, expires_at)
      values (${tx.id}, ${tx.kind}, ${JSON.stringify(tx.payload)}, ${tx.createdAt.getTime()}, ${tx.expiresAt.getTime()})`.execute(this.db);
  }

  /**
   * Atomic read-and-delete: of two concurrent takes (on any instances) exactly one gets the transaction, so
   * every state value is single-use. An expired transaction is consumed too, and reported as expired.
   */
  async take<P>(id: string, kind: string, now: Date): Promise<TakeResult<P>> {
    const row = (await sql<LoginTransactionsTable>`delete from login_transactions where id = ${id} and kind = ${kind} returning *`.execute(this.db)).rows[0];
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
