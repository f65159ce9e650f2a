import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { uuid } from '../lib/random.js';
import type { AccessPolicy } from '../policy/policy-types.js';
import { loadApp } from './apps-routes.js';
import { success } from './envelope.js';
import { pageRequest, resultInfo } from './pagination.js';
import { toPolicy } from './policy-mapping.js';
import { type PolicyBody, policyBody } from './policy-schema.js';
import { serializePolicy } from './policy-serializer.js';
import { loadReferenceTargets, ruleSetProblems } from './reference-checks.js';
import { notFound } from './route-params.js';
import { rejectFields, validateBody } from './validate.js';

/**
 * /accounts/{account_id}/access/apps/{app_id}/policies: an app's policies. Reads show everything the app
 * evaluates (app-scoped and linked reusable policies); writes manage app-scoped (legacy) policies only.
 */
export function registerAppPolicyRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/apps/:app_id/policies';
  type P = { Params: { app_id: string; id: string } };

  /** A policy as this app sees it; a policy the app neither owns nor links is reported exactly like a missing one. */
  const loadPolicy = async (appId: string, id: string): Promise<AccessPolicy> => {
    const p = (await ctx.store.policies.listForApp(appId)).find((x) => x.id === id);
    if (!p) throw notFound('policy', id);
    return p;
  };

  /** Reusable policies are edited at /access/policies, and attached or detached through the app's `policies`. */
  const refuseReusable = (p: AccessPolicy, action: string) => {
    if (p.appId !== null) return;
    throw new GatehouseError('API_CONFLICT', {
      detail: `policy ${p.id} is a reusable policy: ${action} it at /access/policies/${p.id}, or detach it by updating the app's policies`,
    });
  };

  const checkReferences = async (body: PolicyBody) => rejectFields(ruleSetProblems(body, await loadReferenceTargets(ctx.store), '', body.decision));

  api.get<P>(base, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const page = pageRequest(req.query);
    const all = await ctx.store.policies.listForApp(app.id);
    const items = all.slice(page.offset, page.offset + page.perPage);
    return success(items.map((p) => serializePolicy(p)), resultInfo(page, items.length, all.length));
  });

  api.get<P>(`${base}/:id`, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    return success(serializePolicy(await loadPolicy(app.id, req.params.id)));
  });

  api.post<P>(base, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const body = validateBody(policyBody, req.body);
    await checkReferences(body);
    const now = ctx.clock.now();
    const existing = await ctx.store.policies.listForApp(app.id);
    if (existing.some((p) => p.appId === null)) {
      // Cloudflare: reusable and app-scoped policies are mutually exclusive within one app.
      throw new GatehouseError('API_CONFLICT', {
        detail: `app ${app.id} uses reusable policies; app-scoped policies cannot be added to it`,
        hint: 'create a reusable policy at /access/policies and add its id to the app\'s policies',
      });
    }
    const precedence = body.precedence ?? Math.max(0, ...existing.map((p) => p.precedence)) + 1;
    const policy = toPolicy(body, { id: uuid(), appId: app.id, precedence, createdAt: now, updatedAt: now });
    await ctx.store.changeConfig((tx) => tx.policies.insert(policy));
    return success(serializePolicy(policy));
  });

  api.put<P>(`${base}/:id`, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const existing = await loadPolicy(app.id, req.params.id);
    refuseReusable(existing, 'update');
    const body = validateBody(policyBody, req.body);
    await checkReferences(body);
    const policy = toPolicy(body, { id: existing.id, appId: app.id, precedence: body.precedence ?? existing.precedence, createdAt: existing.createdAt, updatedAt: ctx.clock.now() });
    await ctx.store.changeConfig((tx) => tx.policies.update(policy));
    return success(serializePolicy(policy));
  });

  api.delete<P>(`${base}/:id`, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const existing = await loadPolicy(app.id, req.params.id);
    refuseReusable(existing, 'delete');
    await ctx.store.changeConfig((tx) => tx.policies.delete(existing.id));
    return success({ id: existing.id });
  });
}
