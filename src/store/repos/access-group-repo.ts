import type { Kysely } from 'kysely';
import type { AccessGroup } from '../../policy/policy-types.js';
import type { AccessGroupsTable, Database } from '../database.js';
import type { Page } from '../store.js';
import { containsText } from './contains-text.js';

export interface AccessGroupFilter {
  /** Exact name. */
  name?: string;
  /** Case-insensitive substring of the name. */
  search?: string;
}

/** Access groups (`/access/groups`): named rule sets that rules reference as `{"group": {"id": …}}`. */
export class AccessGroupRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async list(offset: number, limit: number, filter: AccessGroupFilter = {}): Promise<Page<AccessGroup>> {
    let q = this.db.selectFrom('access_groups');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.search !== undefined) q = q.where(containsText('name', filter.search, { caseInsensitive: true }));
    const rows = await q.selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map(fromRow), total: Number(n) };
  }

  /** Every group, keyed by id: what the evaluator resolves `group` rules against. */
  async all(): Promise<Map<string, AccessGroup>> {
    const rows = await this.db.selectFrom('access_groups').selectAll().orderBy('created_at').orderBy('id').execute();
    return new Map(rows.map((r) => [r.id, fromRow(r)]));
  }

  async get(id: string): Promise<AccessGroup | undefined> {
    const row = await this.db.selectFrom('access_groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  /** Groups whose rules mention `text` (a UUID): candidates for reference checks. */
  async listMentioning(text: string): Promise<AccessGroup[]> {
    const rows = await this.db.selectFrom('access_groups').selectAll().where(containsText('rules', text)).orderBy('created_at').orderBy('id').execute();
    return rows.map(fromRow);
  }

  async insert(group: AccessGroup): Promise<void> {
    await this.db.insertInto('access_groups').values(toRow(group)).execute();
  }

  async update(group: AccessGroup): Promise<boolean> {
    const { id, created_at: _c, ...rest } = toRow(group);
    const res = await this.db.updateTable('access_groups').set(rest).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('access_groups').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toRow(g: AccessGroup): AccessGroupsTable {
  return {
    id: g.id,
    name: g.name,
    rules: JSON.stringify({ include: g.include, exclude: g.exclude, require: g.require }),
    is_default: g.isDefault ? 1 : 0,
    created_at: g.createdAt.getTime(),
    updated_at: g.updatedAt.getTime(),
  };
}

function fromRow(row: AccessGroupsTable): AccessGroup {
  const rules = JSON.parse(row.rules) as Pick<AccessGroup, 'include' | 'exclude' | 'require'>;
  return {
    id: row.id,
    name: row.name,
    include: rules.include,
    exclude: rules.exclude,
    require: rules.require,
    isDefault: Number(row.is_default) === 1,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
