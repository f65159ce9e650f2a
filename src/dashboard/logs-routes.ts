import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { logDetailPage, type LogEntryView, type LogFilters, logsPage } from '../web/dashboard/logs-pages.js';
import type { DashboardKit } from './dashboard-routes.js';

const SHOWN = 100;
/** With an allowed/denied filter (which the API does not have), this many entries are read and filtered. */
const SCAN = 1000;
/** The detail view finds an entry by listing: at most this many pages of 1000. */
const DETAIL_PAGES = 50;
const RAY_ID = /^[0-9a-f]{1,64}$/i;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/;

const one = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');

/** Reads the filter form (a GET query) as typed. */
export function readFilters(query: Record<string, unknown>): LogFilters {
  const result = one(query.result);
  return {
    email: one(query.email).trim().slice(0, 254),
    result: result === 'allowed' || result === 'denied' ? result : '',
    since: one(query.since).trim().slice(0, 40),
    until: one(query.until).trim().slice(0, 40),
    direction: one(query.direction) === 'asc' ? 'asc' : 'desc',
  };
}

/** A datetime-local value (read as UTC) as RFC 3339, or undefined if it is not one. */
export function localToRfc3339(value: string): string | undefined {
  const m = LOCAL_TIME.exec(value);
  if (!m) return undefined;
  const iso = `${m[1]}T${m[2]}${m[3] ?? ':00'}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/** Logs: the authentication log with filters (a GET form), and one page per attempt with every field. */
export function registerLogScreens(app: FastifyInstance, kit: DashboardKit): void {
  app.get(
    '/dashboard/logs',
    kit.admin(async (req, reply, who) => {
      const filters = readFilters((req.query ?? {}) as Record<string, unknown>);
      const problems = new Map<string, string[]>();
      const other: string[] = [];
      const query = new URLSearchParams({ direction: filters.direction, limit: String(filters.result ? SCAN : SHOWN + 1) });
      if (filters.email) query.set('email', filters.email);
      for (const key of ['since', 'until'] as const) {
        if (!filters[key]) continue;
        const at = localToRfc3339(filters[key]);
        if (at) query.set(key, at);
        else problems.set(key, ['Enter a date and time, such as 2026-01-31 09:00.']);
      }
      let entries: LogEntryView[] = [];
      if (problems.size === 0) {
        const answer = await kit.adminApi.call('GET', `/access/logs/access_requests?${query.toString()}`);
        if (answer.body.success) {
          entries = answer.body.result as LogEntryView[];
        } else {
          for (const e of answer.body.errors) {
            const field = e.source?.pointer.split('/')[1];
            const message = e.message.replace(/^[\w.~-]+: /, '');
            if (field && ['email', 'since', 'until'].includes(field)) problems.set(field, [...(problems.get(field) ?? []), message]);
            else other.push(message);
          }
        }
      }
      if (filters.result) entries = entries.filter((e) => e.allowed === (filters.result === 'allowed'));
      const truncated = entries.length > SHOWN;
      const status = problems.size > 0 || other.length > 0 ? 400 : 200;
      return kit.page(reply, logsPage({ email: kit.email(who), filters, entries: entries.slice(0, SHOWN), problems, other, truncated }), status);
    }),
  );

  app.get(
    '/dashboard/logs/:rayId',
    kit.admin(async (req, reply, who) => {
      const rayId = String((req.params as { rayId?: unknown }).rayId ?? '');
      if (!RAY_ID.test(rayId)) throw new GatehouseError('NOT_FOUND', { detail: 'not a log reference' });
      let entry: LogEntryView | undefined;
      for (let page = 1; page <= DETAIL_PAGES && !entry; page++) {
        const answer = await kit.adminApi.call('GET', `/access/logs/access_requests?per_page=1000&page=${page}`);
        const items = answer.body.success ? (answer.body.result as LogEntryView[]) : [];
        entry = items.find((e) => e.ray_id.toLowerCase() === rayId.toLowerCase());
        if (items.length < 1000) break;
      }
      if (!entry) throw new GatehouseError('NOT_FOUND', { detail: `no log entry with reference ${rayId}` });
      const [idp, policy] = await Promise.all([
        entry.idp_id ? kit.adminApi.call('GET', `/access/identity_providers/${encodeURIComponent(entry.idp_id)}`) : undefined,
        entry.policy_id ? kit.adminApi.call('GET', `/access/policies/${encodeURIComponent(entry.policy_id)}`) : undefined,
      ]);
      const idpName = idp?.body.success ? String(idp.body.result.name) : undefined;
      return kit.page(
        reply,
        logDetailPage({ email: kit.email(who), entry, ...(idpName ? { idpName } : {}), ...(policy?.body.success ? { policyHref: `/dashboard/policies/${entry.policy_id}` } : {}) }),
      );
    }),
  );
}
