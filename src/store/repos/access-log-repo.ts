import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { AccessLogEntry, AccessLogQuery } from '../../logs/access-log.js';
import type { AccessLogsTable, Database } from '../database.js';

/**
 * The insert statement for several entries (group commit, see AccessLogWriter), also used inside the statement that
 * records a new session with its entry (Store.recordSession). Plain, portable SQL: one or more entries are written
 * on every sign-in and sign-on, where the query builder would cost as much CPU as the insert.
 */
export function accessLogInsert(entries: readonly AccessLogEntry[]): RawBuilder<unknown> {
  const rows = entries.map((e) => {
    const r = toRow(e);
    return sql`(${r.id}, ${r.ray_id}, ${r.created_at}, ${r.user_email}, ${r.ip_address}, ${r.country}, ${r.app_uid}, ${r.app_domain}, ${r.app_name}, ${r.action}, ${r.allowed}, ${r.connection}, ${r.idp_id}, ${r.policy_id}, ${r.policy_name}, ${r.decision}, ${r.reasons}, ${r.error_code})`;
  });
  return sql`insert into access_logs (id, ray_id, created_at, user_email, ip_address, country, app_uid, app_domain, app_name, action, allowed, connection, idp_id, policy_id, policy_name, decision, reasons, error_code)
      values ${sql.join(rows)}`;
}

/** The authentication log. Entries are written in the same store transaction as the outcome they record. */
export class AccessLogRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(entry: AccessLogEntry): Promise<void> {
    await this.insertMany([entry]);
  }

  /**
   * Several entries in one statement (group commit, see AccessLogWriter). Plain, portable SQL: one or more entries
   * are written on every sign-in and sign-on, where the query builder would cost as much CPU as the insert.
   */
  async insertMany(entries: readonly AccessLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await accessLogInsert(entries).execute(this.db);
  }

  async query(q: AccessLogQuery): Promise<AccessLogEntry[]> {
    let query = this.db.selectFrom('access_logs').selectAll();
    if (q.since) query = query.where('created_at', '>=', q.since.getTime());
    if (q.until) query = query.where('created_at', '<=', q.until.getTime());
    if (q.email) {
      const value = q.email.value.toLowerCase();
      // Emails are stored lower-cased; a substring filter escapes LIKE's wildcards so they match literally.
      const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = q.email.exact ? query.where('user_email', '=', value) : query.where(sql<boolean>`user_email like ${pattern} escape '\\'`);
    }
    const rows = await query.orderBy('created_at', q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute();
    return rows.map(fromRow);
  }
}

function toRow(e: AccessLogEntry): AccessLogsTable {
  return {
    id: e.id,
    ray_id: e.rayId,
    created_at: e.createdAt.getTime(),
    user_email: e.userEmail.toLowerCase(),
    ip_address: e.ipAddress,
    country: e.country ?? null,
    app_uid: e.appUid ?? null,
    app_domain: e.appDomain ?? null,
    app_name: e.appName ?? null,
    action: e.action,
    allowed: e.allowed ? 1 : 0,
    connection: e.connection ?? null,
    idp_id: e.idpId ?? null,
    policy_id: e.policyId ?? null,
    policy_name: e.policyName ?? null,
    decision: e.decision ?? null,
    reasons: JSON.stringify(e.reasons),
    error_code: e.errorCode ?? null,
  };
}

function fromRow(r: AccessLogsTable): AccessLogEntry {
  const opt = <K extends string>(key: K, v: string | null) => (v === null ? {} : ({ [key]: v } as Record<K, string>));
  return {
    id: r.id,
    rayId: r.ray_id,
    createdAt: new Date(Number(r.created_at)),
    userEmail: r.user_email,
    ipAddress: r.ip_address,
    action: r.action as AccessLogEntry['action'],
    allowed: Number(r.allowed) === 1,
    reasons: JSON.parse(r.reasons) as string[],
    ...opt('country', r.country),
    ...opt('appUid', r.app_uid),
    ...opt('appDomain', r.app_domain),
    ...opt('appName', r.app_name),
    ...opt('connection', r.connection),
    ...opt('idpId', r.idp_id),
    ...opt('policyId', r.policy_id),
    ...opt('policyName', r.policy_name),
    ...opt('decision', r.decision),
    ...opt('errorCode', r.error_code),
  };
}
