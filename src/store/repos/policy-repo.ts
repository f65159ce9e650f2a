import type { Kysely } from 'kysely';
import type { AccessPolicy } from '../../policy/policy-types.js';
import type { Database, PoliciesTable } from '../database.js';

export class PolicyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** An app's policies in evaluation order (precedence, then creation). */
  async listForApp(appId: string): Promise<AccessPolicy[]> {
    const rows = await this.db
      .selectFrom('policies')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('precedence')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  async get(id: string): Promise<AccessPolicy | undefined> {
    const row = await this.db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async insert(policy: AccessPolicy): Promise<void> {
    await this.db.insertInto('policies').values(toRow(policy)).execute();
  }

  async update(policy: AccessPolicy): Promise<boolean> {
    const { id, created_at: _c, ...rest } = toRow(policy);
    const res = await this.db.updateTable('policies').set(rest).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('policies').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async deleteForApp(appId: string): Promise<void> {
    await this.db.deleteFrom('policies').where('app_id', '=', appId).execute();
  }
}

function toRow(p: AccessPolicy): PoliciesTable {
  return {
    id: p.id,
    app_id: p.appId,
    name: p.name,
    decision: p.decision,
    precedence: p.precedence,
    rules: JSON.stringify({ include: p.include, exclude: p.exclude, require: p.require }),
    session_duration: p.sessionDuration ?? null,
    created_at: p.createdAt.getTime(),
    updated_at: p.updatedAt.getTime(),
  };
}

function fromRow(row: PoliciesTable): AccessPolicy {
  const rules = JSON.parse(row.rules) as Pick<AccessPolicy, 'include' | 'exclude' | 'require'>;
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    decision: row.decision as AccessPolicy['decision'],
    precedence: Number(row.precedence),
    include: rules.include,
    exclude: rules.exclude,
    require: rules.require,
    ...(row.session_duration === null ? {} : { sessionDuration: row.session_duration }),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
