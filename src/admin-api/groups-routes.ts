import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { uuid } from '../lib/random.js';
import type { AccessGroup } from '../policy/policy-types.js';
import { success } from './envelope.js';
import { type GroupBody, groupBody, groupListQuery } from './group-schema.js';
import { serializeGroup } from './group-serializer.js';
import { pageRequest, resultInfo } from './pagination.js';
import { bypassUserProblems, groupCycleProblems, groupDepthProblems, loadReferenceTargets, refuseIfUsed, ruleSetProblems, usersOf } from './reference-checks.js';
import { notFound } from './route-params.js';
import { rejectFields, validateBody } from './validate.js';

/** /accounts/{account_id}/access/groups: Access groups, referenced from rules as {"group": {"id": …}}. */
export function registerGroupRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/groups';
  type P = { Params: { id: string } };

  const load = async (id: string): Promise<AccessGroup> => {
    const g = await ctx.store.accessGroups.get(id);
    if (!g) throw notFound('Access group', id);
    return g;
  };

  /**
   * Parses and checks a group about to be saved under `id` (`existing` on PUT): references resolve, no cycle, not
   * nested too deep, and no identity rules if a bypass policy uses it.
   */
  const parse = async (raw: unknown, id: string, existing?: AccessGroup): Promise<GroupBody> => {
    const body = validateBody(groupBody, raw);
    const targets = await loadReferenceTargets(ctx.store);
    const cycles = groupCycleProblems(id, body, targets.groups);
    const problems = [...ruleSetProblems(body, targets, ''), ...cycles];
    if (cycles.length === 0) {
      problems.push(...groupDepthProblems(id, body, targets.groups));
      if (existing) problems.push(...(await bypassUserProblems(ctx.store, existing, body, targets.groups)));
    }
    rejectFields(problems);
    return body;
  };

  api.get(base, async (req) => {
    const page = pageRequest(req.query);
    const filter = validateBody(groupListQuery, pickFilter(req.query));
    const { items, total } = await ctx.store.accessGroups.list(page.offset, page.perPage, {
      ...(filter.name === undefined ? {} : { name: filter.name }),
      ...(filter.search === undefined ? {} : { search: filter.search }),
    });
    return success(items.map(serializeGroup), resultInfo(page, items.length, total));
  });

  api.get<P>(`${base}/:id`, async (req) => success(serializeGroup(await load(req.params.id))));

  api.post(base, async (req) => {
    const id = uuid();
    const body = await parse(req.body, id);
    const now = ctx.clock.now();
    const group: AccessGroup = { id, ...fromBody(body), createdAt: now, updatedAt: now };
    await ctx.store.changeConfig((tx) => tx.accessGroups.insert(group));
    return success(serializeGroup(group));
  });

  api.put<P>(`${base}/:id`, async (req) => {
    const existing = await load(req.params.id);
    const body = await parse(req.body, existing.id, existing);
    const group: AccessGroup = { ...existing, ...fromBody(body), updatedAt: ctx.clock.now() };
    await ctx.store.changeConfig((tx) => tx.accessGroups.update(group));
    return success(serializeGroup(group));
  });

  api.delete<P>(`${base}/:id`, async (req) => {
    const existing = await load(req.params.id);
    await ctx.store.changeConfig(async (tx) => {
      refuseIfUsed(`Access group ${existing.id}`, await usersOf(tx, 'groups', existing.id));
      await tx.accessGroups.delete(existing.id);
    });
    return success({ id: existing.id });
  });
}

function fromBody(body: GroupBody): Omit<AccessGroup, 'id' | 'createdAt' | 'updatedAt'> {
  return { name: body.name, include: body.include, exclude: body.exclude, require: body.require, isDefault: body.is_default };
}

/** Only the filter keys of a query string (paging keys are pageRequest's). */
function pickFilter(query: unknown): Record<string, unknown> {
  const q = (query ?? {}) as Record<string, unknown>;
  return { ...(q.name === undefined ? {} : { name: q.name }), ...(q.search === undefined ? {} : { search: q.search }) };
}
