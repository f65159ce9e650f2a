import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

/** A shared replay cache: values (assertion IDs, codes) that may be used once across all instances. */
export class UsedValueRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records the value; returns false when it was already recorded (a replay). */
  async markUsed(kind: string, value: string, expiresAt: Date): Promise<boolean> {
    const res = await this.db
      .insertInto('used_values')
      .values({ kind, value, expires_at: expiresAt.getTime() })
      .onConflict((oc) => oc.columns(['kind', 'value']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** How many unexpired values of `kind` start with `prefix` (rate-limit counters, shared by every instance). */
  async countLive(kind: string, prefix: string, now: Date): Promise<number> {
    const row = await this.db
      .selectFrom('used_values')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', kind)
      .where('value', '>=', prefix)
      .where('value', '<', `${prefix}\uffff`)
      .where('expires_at', '>', now.getTime())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
