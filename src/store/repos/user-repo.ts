import type { Kysely } from 'kysely';
import { uuid } from '../../lib/random.js';
import type { Database } from '../database.js';

export class UserRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The stable user id for an email (Cloudflare's user_uuid / JWT sub), created on first sign-in. With
   * `lastIdentityJson`, also remembers the sign-in's Identity for the policy tester ("as last seen"): one statement
   * either way, since it runs on every sign-in.
   */
  async upsertByEmail(email: string, now: Date, lastIdentityJson?: string): Promise<string> {
    const seen = { last_seen_at: now.getTime(), ...(lastIdentityJson !== undefined ? { last_identity: lastIdentityJson } : {}) };
    const row = await this.db
      .insertInto('users')
      .values({ id: uuid(), email, created_at: now.getTime(), ...seen })
      .onConflict((oc) => oc.column('email').doUpdateSet(seen))
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Remembers the Identity (as JSON) of the user's latest sign-in, for the policy tester's "as last seen" mode.
   * Called from the session code after a successful upstream login.
   */
  async setLastIdentity(userId: string, identityJson: string): Promise<void> {
    await this.db.updateTable('users').set({ last_identity: identityJson }).where('id', '=', userId).execute();
  }

  /** The Identity JSON of the user's latest sign-in; undefined for a user never seen (or seen before this existed). */
  async lastIdentityByEmail(email: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('users').select('last_identity').where('email', '=', email.toLowerCase()).executeTakeFirst();
    return row?.last_identity ?? undefined;
  }
}
