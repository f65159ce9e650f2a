import type { Kysely } from 'kysely';
import type { AccessPolicy } from '../../policy/policy-types.js';
import type { Database, PoliciesTable } from '../database.js';
import type { Page } from '../store.js';
import { containsText } from './contains-text.js';

/** A reusable policy's place in one app: the app's `policies` array links it with a precedence of its own. */
export interface PolicyLink {
  policyId: string;
  precedence: number;
}

/**
 * App-scoped (legacy) policies are rows with their app's id; reusable policies are rows with app_id null, used by
 * apps through app_policy_links. A reusable row's own precedence column is unused (0): the link's counts.
 */
export class PolicyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Everything an app evaluates, in evaluation order: its app-scoped policies and the reusable ones linked to it,
   * the latter carrying the link's precedence. One query: the SSO path calls this for every app it loads.
   */
  async listForApp(appId: string): Promise<AccessPolicy[]> {
    const scoped = this.db
      .selectFrom('policies')
      .select(['id', 'app_id', 'name', 'decision', 'precedence', 'rules', 'session_duration', 'created_at', 'updated_at'])
      .where('app_id', '=', appId);
    const linked = this.db
      .selectFrom('app_policy_links as l')
      .innerJoin('policies as p', 'p.id', 'l.policy_id')
      .select(['p.id', 'p.app_id', 'p.name', 'p.decision', 'l.precedence', 'p.rules', 'p.session_duration', 'p.created_at', 'p.updated_at'])
      .where('l.app_id', '=', appId)
      .where('p.app_id', 'is', null);
    const rows = await scoped.unionAll(linked).execute();
    return rows.map(fromRow).sort(byPrecedence);
  }

  async get(id: string): Promise<AccessPolicy | undefined> {
    const row = await this.db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  /** Reusable policies (app_id null), oldest first. */
  async listReusable(offset: number, limit: number): Promise<Page<AccessPolicy>> {
    const rows = await this.db
      .selectFrom('policies')
      .selectAll()
      .where('app_id', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    const { n } = await this.db
      .selectFrom('policies')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_id', 'is', null)
      .executeTakeFirstOrThrow();
    return { items: rows.map(fromRow), total: Number(n) };
  }

  /** Every policy, app-scoped and reusable, whose rules mention `text` (a UUID): candidates for reference checks. */
  async listMentioning(text: string): Promise<AccessPolicy[]> {
    const rows = await this.db.selectFrom('policies').selectAll().where(containsText('rules', text)).orderBy('created_at').orderBy('id').execute();
    return rows.map(fromRow);
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
    await this.db.deleteFrom('app_policy_links').where('policy_id', '=', id).execute();
    const res = await this.db.deleteFrom('policies').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Deletes an app's app-scoped policies (its links stay; see setLinks). */
  async deleteForApp(appId: string): Promise<void> {
    await this.db.deleteFrom('policies').where('app_id', '=', appId).execute();
  }

  /** Replaces the reusable policies an app uses. */
  async setLinks(appId: string, links: readonly PolicyLink[]): Promise<void> {
    await this.db.deleteFrom('app_policy_links').where('app_id', '=', appId).execute();
    if (links.length === 0) return;
    await this.db
      .insertInto('app_policy_links')
      .values(links.map((l) => ({ app_id: appId, policy_id: l.policyId, precedence: l.precedence })))
      .execute();
  }

  /** The apps that link a reusable policy, by name, for conflict messages. */
  async appsUsing(policyId: string): Promise<Array<{ id: string; name: string }>> {
    return this.db
      .selectFrom('app_policy_links as l')
      .innerJoin('apps as a', 'a.id', 'l.app_id')
      .select(['a.id', 'a.name'])
      .where('l.policy_id', '=', policyId)
      .orderBy('a.created_at')
      .orderBy('a.id')
      .execute();
  }

  /** How many apps link each of the given reusable policies (Cloudflare's `app_count`). */
  async appCounts(policyIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>(policyIds.map((id) => [id, 0]));
    if (policyIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('app_policy_links')
      .select((eb) => ['policy_id', eb.fn.countAll<number>().as('n')])
      .where('policy_id', 'in', [...policyIds])
      .groupBy('policy_id')
      .execute();
    for (const r of rows) counts.set(r.policy_id, Number(r.n));
    return counts;
  }
}

function byPrecedence(a: AccessPolicy, b: AccessPolicy): number {
  return a.precedence - b.precedence || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function toRow(p: AccessPolicy): PoliciesTable {
  return {
    id: p.id,
    app_id: p.appId,
    name: p.name,
    decision: p.decision,
    // A reusable policy has no precedence of its own; each app's link carries one.
    precedence: p.appId === null ? 0 : p.precedence,
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
