import type { Kysely } from 'kysely';
import type { SecretBox } from '../../secrets/secret-box.js';
import { secretContext } from '../../secrets/secret-contexts.js';
import type { Database, SessionKeysTable } from '../database.js';

export interface SessionKeyRow {
  kid: string;
  privateKeyPem: string;
  certificatePem: string;
  createdAt: Date;
  /** Unique and increasing: the successor of generation n is generation n + 1. */
  generation: number;
  /** When the key starts signing (in the future for the published-ahead next key). */
  activatedAt: Date;
}

/**
 * The CF_Authorization signing keys. Which key signs is not stored as a flag: it follows from the rows (the newest
 * generation whose activated_at has passed), so every instance reading the same rows agrees without coordination.
 * Every write here is safe to race: inserts collide on the unique generation, updates and deletes are conditional.
 */
export class SessionKeyRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  /** Every stored key, oldest generation first, private keys opened (a row that does not open throws: fail closed). */
  async all(): Promise<SessionKeyRow[]> {
    const rows = await this.db.selectFrom('session_keys').selectAll().orderBy('generation').orderBy('kid').execute();
    return rows.map((r) => this.#fromRow(r));
  }

  /**
   * Inserts the key of a generation unless another instance already stored one for it. Returns whether this row was
   * stored; when false, the caller reads the winner's key instead of its own (both instances then use one key).
   */
  async insertIfGenerationFree(row: SessionKeyRow): Promise<boolean> {
    const res = await this.db
      .insertInto('session_keys')
      .values({
        kid: row.kid,
        private_key_pem: this.secrets.seal(row.privateKeyPem, secretContext.sessionKey(row.kid)),
        certificate_pem: row.certificatePem,
        created_at: row.createdAt.getTime(),
        retired_at: null,
        generation: row.generation,
        activated_at: row.activatedAt.getTime(),
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    // 0 on both dialects when the conflict skipped the row.
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Moves a key's activation to `activatedAt`, only while its current activation is still after `notBefore`: a key
   * that is about to sign (or signs) is never rescheduled, so instances that have not re-read yet cannot disagree.
   */
  async reschedule(kid: string, activatedAt: Date, notBefore: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('session_keys')
      .set({ activated_at: activatedAt.getTime() })
      .where('kid', '=', kid)
      .where('activated_at', '>', notBefore.getTime())
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Removes a key for good (its grace period is over); its kid stops verifying everywhere at the next read. */
  async delete(kid: string): Promise<void> {
    await this.db.deleteFrom('session_keys').where('kid', '=', kid).execute();
  }

  #fromRow(r: SessionKeysTable): SessionKeyRow {
    return {
      kid: r.kid,
      privateKeyPem: this.secrets.open(r.private_key_pem, secretContext.sessionKey(r.kid)),
      certificatePem: r.certificate_pem,
      createdAt: new Date(Number(r.created_at)),
      generation: Number(r.generation ?? 0),
      activatedAt: new Date(Number(r.activated_at ?? r.created_at)),
    };
  }
}
