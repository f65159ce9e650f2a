import type { Kysely } from 'kysely';
import type { SecretBox } from '../../secrets/secret-box.js';
import { secretContext } from '../../secrets/secret-contexts.js';
import type { Database } from '../database.js';

export interface SessionKeyRow {
  kid: string;
  privateKeyPem: string;
  certificatePem: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export class SessionKeyRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  /** Keys that verify: the current one and those retired less than `graceMs` ago, newest first. */
  async verifying(now: Date, graceMs: number): Promise<SessionKeyRow[]> {
    const rows = await this.db
      .selectFrom('session_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now.getTime() - graceMs)]))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      kid: r.kid,
      privateKeyPem: this.secrets.open(r.private_key_pem, secretContext.sessionKey(r.kid)),
      certificatePem: r.certificate_pem,
      createdAt: new Date(r.created_at),
      retiredAt: r.retired_at === null ? null : new Date(r.retired_at),
    }));
  }

  async insert(row: SessionKeyRow): Promise<void> {
    await this.db
      .insertInto('session_keys')
      .values({
        kid: row.kid,
        private_key_pem: this.secrets.seal(row.privateKeyPem, secretContext.sessionKey(row.kid)),
        certificate_pem: row.certificatePem,
        created_at: row.createdAt.getTime(),
        retired_at: row.retiredAt?.getTime() ?? null,
      })
      .execute();
  }
}
