import { type Kysely, sql } from 'kysely';
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
    // Plain SQL (portable: SQLite and PostgreSQL both have ON CONFLICT … RETURNING): once per sign-in.
    const t = now.getTime();
    const result =
      lastIdentityJson === undefined
        ? await sql<{ id: string }>`insert into users (id, email, created_at, last_seen_at) values (${uuid()}, ${email}, ${t}, ${t})
            on conflict (email) do update set last_seen_at = ${t} returning id`.execute(this.db)
        : await sql<{ id: string }>`insert into users (id, email, created_at, last_seen_at, last_identity) values (${uuid()}, ${email}, ${t}, ${t}, ${lastIdentityJson})
            on conflict (email) do update set last_seen_at = ${t}, last_identity = ${lastIdentityJson} returning id`.execute(this.db);
    return result.rows[0]!.id;
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
