import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { uuid } from '../lib/random.js';
import { serializePolicy } from './app-serializer.js';
import { loadApp } from './apps-routes.js';
import { success } from './envelope.js';
import { pageRequest, resultInfo } from './pagination.js';
import { toPolicy } from './policy-mapping.js';
import { policyBody } from './policy-schema.js';
import { notFound } from './route-params.js';
import { validateBody } from './validate.js';

/** /accounts/{account_id}/access/apps/{app_id}/policies: app-scoped policies. */
export function registerAppPolicyRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/apps/:app_id/policies';
  type P = { Params: { app_id: string; id: string } };

  const loadPolicy = async (appId: string, id: string) => {
    const p = await ctx.store.policies.get(id);
    // A policy of another app is reported exactly like a missing one.
    if (!p || p.appId !== appId) throw notFound('policy', id);
    return p;
  };

  api.get<P>(base, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const page = pageRequest(req.query);
    const all = await ctx.store.policies.listForApp(app.id);
    const items = all.slice(page.offset, page.offset + page.perPage);
    return success(items.map(serializePolicy), resultInfo(page, items.length, all.length));
  });

  api.get<P>(`${base}/:id`, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    return success(serializePolicy(await loadPolicy(app.id, req.params.id)));
  });

  api.post<P>(base, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const body = validateBody(policyBody, req.body);
    const now = ctx.clock.now();
    const existing = await ctx.store.policies.listForApp(app.id);
    const precedence = body.precedence ?? Math.max(0, ...existing.map((p) => p.precedence)) + 1;
    const policy = toPolicy(body, { id: uuid(), appId: app.id, precedence, createdAt: now, updatedAt: now });
    await ctx.store.changeConfig((tx) => tx.policies.insert(policy));
    return success(serializePolicy(policy));
  });

  api.put<P>(`${base}/:id`, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const existing = await loadPolicy(app.id, req.params.id);
    const body = validateBody(policyBody, req.body);
    const policy = toPolicy(body, { id: existing.id, appId: app.id, precedence: body.precedence ?? existing.precedence, createdAt: existing.createdAt, updatedAt: ctx.clock.now() });
    await ctx.store.changeConfig((tx) => tx.policies.update(policy));
    return success(serializePolicy(policy));
  });

  api.delete<P>(`${base}/:id`, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const existing = await loadPolicy(app.id, req.params.id);
    await ctx.store.changeConfig((tx) => tx.policies.delete(existing.id));
    return success({ id: existing.id });
  });
}
