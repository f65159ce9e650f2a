import type { Kysely } from 'kysely';
import type { AppCertificate, AppRecord, AppSigningKey, SigningKeyStatus } from '../../apps/app-record.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { secretContext } from '../../secrets/secret-contexts.js';
import type { AppsTable, Database } from '../database.js';
import type { Page } from '../store.js';

export class AppRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async list(offset: number, limit: number): Promise<Page<AppRecord>> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    const { n } = await this.db.selectFrom('apps').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map(fromRow), total: Number(n) };
  }

  async get(id: string): Promise<AppRecord | undefined> {
    const row = await this.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async getByAud(aud: string): Promise<AppRecord | undefined> {
    const row = await this.db.selectFrom('apps').selectAll().where('aud', '=', aud).executeTakeFirst();
    return row && fromRow(row);
  }

  async insert(app: AppRecord): Promise<void> {
    await this.db.insertInto('apps').values(toRow(app)).execute();
  }

  async update(app: AppRecord): Promise<boolean> {
    const { id, aud: _aud, created_at: _c, ...rest } = toRow(app);
    const res = await this.db.updateTable('apps').set(rest).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    // Children first, so SQLite files created without foreign-key enforcement stay clean too.
    await this.db.deleteFrom('app_signing_keys').where('app_id', '=', id).execute();
    await this.db.deleteFrom('policies').where('app_id', '=', id).execute();
    const res = await this.db.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async insertSigningKey(key: AppSigningKey): Promise<void> {
    const status = key.status ?? 'active';
    await this.db
      .insertInto('app_signing_keys')
      .values({
        id: key.id,
        app_id: key.appId,
        private_key_pem: this.secrets.seal(key.privateKeyPem, secretContext.appSigningKey(key.id)),
        certificate_pem: key.certificatePem,
        not_after: key.notAfter.getTime(),
        created_at: key.createdAt.getTime(),
        status,
        activated_at: status === 'active' ? key.createdAt.getTime() : null,
        retired_at: null,
      })
      .execute();
  }

  /** The key that signs now: the app's one active key (a unique index allows no second one). */
  async currentSigningKey(appId: string): Promise<AppSigningKey | undefined> {
    const row = await this.db.selectFrom('app_signing_keys').selectAll().where('app_id', '=', appId).where('status', '=', 'active').executeTakeFirst();
    return (
      row && {
        id: row.id,
        appId: row.app_id,
        privateKeyPem: this.secrets.open(row.private_key_pem, secretContext.appSigningKey(row.id)),
        certificatePem: row.certificate_pem,
        notAfter: new Date(row.not_after),
        createdAt: new Date(row.created_at),
        status: 'active',
      }
    );
  }

  /**
   * Every certificate of the app, public parts only (no private key is read or decrypted here): active first, then
   * pending, then retired, newest first within each. This order is the metadata's KeyDescriptor order.
   */
  async certificates(appId: string): Promise<AppCertificate[]> {
    const rows = await this.db
      .selectFrom('app_signing_keys')
      .select(['id', 'app_id', 'certificate_pem', 'not_after', 'created_at', 'status', 'activated_at', 'retired_at'])
      .where('app_id', '=', appId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const rank: Record<string, number> = { active: 0, pending: 1, retired: 2 };
    return rows
      .map((r) => ({
        id: r.id,
        appId: r.app_id,
        certificatePem: r.certificate_pem,
        notAfter: new Date(r.not_after),
        createdAt: new Date(r.created_at),
        status: (r.status === 'active' || r.status === 'pending' ? r.status : 'retired') as SigningKeyStatus,
        activatedAt: r.activated_at === null ? undefined : new Date(r.activated_at),
        retiredAt: r.retired_at === null ? undefined : new Date(r.retired_at),
      }))
      .sort((a, b) => rank[a.status]! - rank[b.status]!);
  }

  /** The active key becomes retired (the first half of a switch-over; run in the transaction that activates another). */
  async retireActiveSigningKey(appId: string, now: Date): Promise<boolean> {
    const res = await this.db.updateTable('app_signing_keys').set({ status: 'retired', retired_at: now.getTime() }).where('app_id', '=', appId).where('status', '=', 'active').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** A pending or retired key becomes active, only if it still is pending or retired (a conditional update). */
  async activateSigningKey(appId: string, keyId: string, now: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('app_signing_keys')
      .set({ status: 'active', activated_at: now.getTime(), retired_at: null })
      .where('id', '=', keyId)
      .where('app_id', '=', appId)
      .where('status', 'in', ['pending', 'retired'])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Deletes a pending or retired key; the active key can never be removed this way. */
  async removeSigningKey(appId: string, keyId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('app_signing_keys').where('id', '=', keyId).where('app_id', '=', appId).where('status', 'in', ['pending', 'retired']).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toRow(app: AppRecord): AppsTable {
  const { id, aud, name, type, createdAt, updatedAt, ...settings } = app;
  return { id, aud, name, type, settings: JSON.stringify(settings), created_at: createdAt.getTime(), updated_at: updatedAt.getTime() };
}

function fromRow(row: AppsTable): AppRecord {
  return {
    ...JSON.parse(row.settings),
    id: row.id,
    aud: row.aud,
    name: row.name,
    type: row.type,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  } as AppRecord;
}
