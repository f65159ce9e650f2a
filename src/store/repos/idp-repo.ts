import type { Kysely } from 'kysely';
import type { IdpRecord } from '../../connectors/idp-record.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { secretContext } from '../../secrets/secret-contexts.js';
import type { Database, IdentityProvidersTable } from '../database.js';
import type { Page } from '../store.js';

/** Config fields that are secrets: stored in their own column and never part of a read-for-display path. */
const SECRET_FIELDS = ['clientSecret'] as const;

export class IdpRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async list(offset: number, limit: number): Promise<Page<IdpRecord>> {
    const rows = await this.db.selectFrom('identity_providers').selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    const { n } = await this.db.selectFrom('identity_providers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map((r) => this.#fromRow(r)), total: Number(n) };
  }

  async get(id: string): Promise<IdpRecord | undefined> {
    const row = await this.db.selectFrom('identity_providers').selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.#fromRow(row);
  }

  async insert(idp: IdpRecord): Promise<void> {
    await this.db.insertInto('identity_providers').values(this.#toRow(idp)).execute();
  }

  async update(idp: IdpRecord): Promise<boolean> {
    const { id, created_at: _created, ...rest } = this.#toRow(idp);
    const res = await this.db.updateTable('identity_providers').set(rest).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('identity_providers').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  #toRow(idp: IdpRecord): IdentityProvidersTable {
    return toRow(idp, (json) => this.secrets.seal(json, secretContext.idpSecrets(idp.id)));
  }

  #fromRow(row: IdentityProvidersTable): IdpRecord {
    return fromRow(row, this.secrets.open(row.secrets, secretContext.idpSecrets(row.id)));
  }
}

function toRow(idp: IdpRecord, seal: (json: string) => string): IdentityProvidersTable {
  const config: Record<string, unknown> = { ...idp.config };
  const secrets: Record<string, unknown> = {};
  for (const f of SECRET_FIELDS) {
    if (f in config) {
      secrets[f] = config[f];
      delete config[f];
    }
  }
  return {
    id: idp.id,
    name: idp.name,
    type: idp.type,
    config: JSON.stringify(config),
    secrets: seal(JSON.stringify(secrets)),
    created_at: idp.createdAt.getTime(),
    updated_at: idp.updatedAt.getTime(),
  };
}

function fromRow(row: IdentityProvidersTable, secretsJson: string): IdpRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type as IdpRecord['type'],
    config: { ...JSON.parse(row.config), ...JSON.parse(secretsJson) },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  } as IdpRecord;
}
