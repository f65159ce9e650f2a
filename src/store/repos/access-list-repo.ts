import type { Kysely } from 'kysely';
import type { AccessList } from '../../policy/policy-types.js';
import type { AccessListsTable, Database } from '../database.js';
import type { Page } from '../store.js';
import { containsText } from './contains-text.js';

export interface AccessListFilter {
  type?: AccessList['type'];
  /** Case-insensitive substring of the name or the description. */
  search?: string;
}

type StoredItem = { value: string; description?: string; created_at: number };

/** Lists (Cloudflare's `/gateway/lists`) that `email_list` and `ip_list` rules reference. Items live in the row. */
export class AccessListRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async list(offset: number, limit: number, filter: AccessListFilter = {}): Promise<Page<AccessList>> {
    let q = this.db.selectFrom('access_lists');
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    if (filter.search !== undefined) {
      const search = filter.search;
      q = q.where((eb) => eb.or([containsText('name', search, { caseInsensitive: true }), containsText('description', search, { caseInsensitive: true })]));
    }
    const rows = await q.selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map(fromRow), total: Number(n) };
  }

  /** Every list, keyed by id: what the evaluator resolves `email_list` / `ip_list` rules against. */
  async all(): Promise<Map<string, AccessList>> {
    const rows = await this.db.selectFrom('access_lists').selectAll().orderBy('created_at').orderBy('id').execute();
    return new Map(rows.map((r) => [r.id, fromRow(r)]));
  }

  async get(id: string): Promise<AccessList | undefined> {
    const row = await this.db.selectFrom('access_lists').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async insert(list: AccessList): Promise<void> {
    await this.db.insertInto('access_lists').values(toRow(list)).execute();
  }

  async update(list: AccessList): Promise<boolean> {
    const { id, created_at: _c, ...rest } = toRow(list);
    const res = await this.db.updateTable('access_lists').set(rest).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('access_lists').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toRow(l: AccessList): AccessListsTable {
  const items: StoredItem[] = l.items.map((i) => ({ value: i.value, ...(i.description ? { description: i.description } : {}), created_at: i.createdAt.getTime() }));
  return {
    id: l.id,
    name: l.name,
    type: l.type,
    description: l.description ?? null,
    items: JSON.stringify(items),
    created_at: l.createdAt.getTime(),
    updated_at: l.updatedAt.getTime(),
  };
}

function fromRow(row: AccessListsTable): AccessList {
  const items = JSON.parse(row.items) as StoredItem[];
  return {
    id: row.id,
    name: row.name,
    type: row.type as AccessList['type'],
    ...(row.description === null ? {} : { description: row.description }),
    items: items.map((i) => ({ value: i.value, ...(i.description ? { description: i.description } : {}), createdAt: new Date(i.created_at) })),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
