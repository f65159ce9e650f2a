import type { Kysely } from 'kysely';
import type { AppRecord, AppSigningKey } from '../../apps/app-record.js';
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
    await this.db
      .insertInto('app_signing_keys')
      .values({
        id: key.id,
        app_id: key.appId,
        private_key_pem: this.secrets.seal(key.privateKeyPem, secretContext.appSigningKey(key.id)),
        certificate_pem: key.certificatePem,
        not_after: key.notAfter.getTime(),
        created_at: key.createdAt.getTime(),
      })
      .execute();
  }

  /** The key that signs now: the newest. (Rollover with several published certificates comes later.) */
  async currentSigningKey(appId: string): Promise<AppSigningKey | undefined> {
    const row = await this.db
      .selectFrom('app_signing_keys')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        appId: row.app_id,
        privateKeyPem: this.secrets.open(row.private_key_pem, secretContext.appSigningKey(row.id)),
        certificatePem: row.certificate_pem,
        notAfter: new Date(row.not_after),
        createdAt: new Date(row.created_at),
      }
    );
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
