import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { uuid } from '../lib/random.js';
import type { AccessList } from '../policy/policy-types.js';
import { success } from './envelope.js';
import { type ListBody, listBody, listListQuery, normalizeListItems } from './list-schema.js';
import { serializeList, serializeListItem } from './list-serializer.js';
import { type PageRequest, pageRequest, resultInfo } from './pagination.js';
import { refuseIfUsed, usersOf } from './reference-checks.js';
import { notFound } from './route-params.js';
import { rejectFields, validateBody } from './validate.js';

/**
 * /accounts/{account_id}/gateway/lists: Cloudflare keeps the lists that `email_list` and `ip_list` rules use under
 * Gateway, so Gatehouse serves them at the same path. EMAIL and IP lists only.
 */
export function registerListRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/gateway/lists';
  type P = { Params: { id: string } };

  const load = async (id: string): Promise<AccessList> => {
    const l = await ctx.store.accessLists.get(id);
    if (!l) throw notFound('list', id);
    return l;
  };

  api.get(base, async (req) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const filter = validateBody(listListQuery, { ...(query.type === undefined ? {} : { type: query.type }), ...(query.search === undefined ? {} : { search: query.search }) });
    // Cloudflare's SDK reads this collection as a single page, so without paging parameters every list is returned.
    const paged = query.page !== undefined || query.per_page !== undefined;
    const page: PageRequest = paged ? pageRequest(req.query) : { page: 1, perPage: 100_000, offset: 0 };
    const { items, total } = await ctx.store.accessLists.list(page.offset, page.perPage, {
      ...(filter.type === undefined ? {} : { type: filter.type }),
      ...(filter.search === undefined ? {} : { search: filter.search }),
    });
    const lists = items.map((l) => serializeList(l, { items: false }));
    return success(lists, paged ? resultInfo(page, items.length, total) : { page: 1, per_page: Math.max(total, 1), count: total, total_count: total, total_pages: 1 });
  });

  api.get<P>(`${base}/:id`, async (req) => success(serializeList(await load(req.params.id))));

  api.get<P>(`${base}/:id/items`, async (req) => {
    const list = await load(req.params.id);
    const page = pageRequest(req.query);
    const items = list.items.slice(page.offset, page.offset + page.perPage);
    return success(items.map(serializeListItem), resultInfo(page, items.length, list.items.length));
  });

  api.post(base, async (req) => {
    const body = validateBody(listBody, req.body);
    if (body.type === undefined) rejectFields([{ pointer: '/type', message: 'required: EMAIL or IP' }]);
    const type = body.type!;
    const now = ctx.clock.now();
    const list: AccessList = { id: uuid(), name: body.name, type, ...description(body), items: items(type, body.items ?? [], [], now), createdAt: now, updatedAt: now };
    await ctx.store.changeConfig((tx) => tx.accessLists.insert(list));
    return success(serializeList(list));
  });

  api.put<P>(`${base}/:id`, async (req) => {
    const existing = await load(req.params.id);
    const body = validateBody(listBody, req.body);
    // A rule that needs an EMAIL list must never find an IP list behind its id, so the type is fixed.
    if (body.type !== undefined && body.type !== existing.type) rejectFields([{ pointer: '/type', message: `cannot change: this is an ${existing.type} list` }]);
    const now = ctx.clock.now();
    const { description: _d, ...kept } = existing;
    const list: AccessList = {
      ...kept,
      name: body.name,
      ...description(body),
      // Cloudflare: a PUT without items leaves the items as they are.
      items: body.items === undefined ? existing.items : items(existing.type, body.items, existing.items, now),
      updatedAt: now,
    };
    await ctx.store.changeConfig((tx) => tx.accessLists.update(list));
    return success(serializeList(list));
  });

  api.delete<P>(`${base}/:id`, async (req) => {
    const existing = await load(req.params.id);
    await ctx.store.changeConfig(async (tx) => {
      refuseIfUsed(`list ${existing.id}`, await usersOf(tx, 'lists', existing.id));
      await tx.accessLists.delete(existing.id);
    });
    return success({ id: existing.id });
  });
}

function description(body: ListBody): { description?: string } {
  return body.description ? { description: body.description } : {};
}

/** Validated items; a value that was already in the list keeps its created_at. */
function items(type: AccessList['type'], raw: NonNullable<ListBody['items']>, previous: AccessList['items'], now: Date): AccessList['items'] {
  const { items: normalized, problems } = normalizeListItems(type, raw);
  rejectFields(problems);
  const before = new Map(previous.map((i) => [i.value, i.createdAt]));
  return normalized.map((i) => ({ ...i, createdAt: before.get(i.value) ?? now }));
}
