import { ADMIN_POLICY_KEY } from '../setup/first-run.js';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { uuid } from '../lib/random.js';
import type { AccessPolicy } from '../policy/policy-types.js';
import { success } from './envelope.js';
import { pageRequest, resultInfo } from './pagination.js';
import { toPolicy } from './policy-mapping.js';
import { policyBody } from './policy-schema.js';
import { serializeReusablePolicy } from './policy-serializer.js';
import { loadReferenceTargets, ruleSetProblems } from './reference-checks.js';
import { notFound } from './route-params.js';
import { rejectFields, validateBody } from './validate.js';

/** /accounts/{account_id}/access/policies: reusable policies, attached to apps through the app's `policies`. */
export function registerPolicyRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/policies';
  type P = { Params: { id: string } };

  const load = async (id: string): Promise<AccessPolicy> => {
    const p = await ctx.store.policies.get(id);
    // App-scoped (legacy) policies live under their app; here they do not exist.
    if (!p || p.appId !== null) throw notFound('reusable policy', id);
    return p;
  };
  const show = async (p: AccessPolicy) => serializeReusablePolicy(p, (await ctx.store.policies.appCounts([p.id])).get(p.id) ?? 0);

  const parse = async (raw: unknown) => {
    const body = validateBody(policyBody, raw);
    rejectFields(ruleSetProblems(body, await loadReferenceTargets(ctx.store), '', body.decision));
    return body;
  };

  api.get(base, async (req) => {
    const page = pageRequest(req.query);
    const { items, total } = await ctx.store.policies.listReusable(page.offset, page.perPage);
    const counts = await ctx.store.policies.appCounts(items.map((p) => p.id));
    return success(items.map((p) => serializeReusablePolicy(p, counts.get(p.id) ?? 0)), resultInfo(page, items.length, total));
  });

  api.get<P>(`${base}/:id`, async (req) => success(await show(await load(req.params.id))));

  api.post(base, async (req) => {
    const body = await parse(req.body);
    const now = ctx.clock.now();
    const policy = toPolicy(body, { id: uuid(), appId: null, precedence: 0, createdAt: now, updatedAt: now });
    await ctx.store.changeConfig((tx) => tx.policies.insert(policy));
    return success(serializeReusablePolicy(policy, 0));
  });

  api.put<P>(`${base}/:id`, async (req) => {
    const existing = await load(req.params.id);
    const body = await parse(req.body);
    const policy = toPolicy(body, { id: existing.id, appId: null, precedence: 0, createdAt: existing.createdAt, updatedAt: ctx.clock.now() });
    await ctx.store.changeConfig((tx) => tx.policies.update(policy));
    return success(await show(policy));
  });

  api.delete<P>(`${base}/:id`, async (req) => {
    const existing = await load(req.params.id);
    await ctx.store.changeConfig(async (tx) => {
      // Cloudflare refuses to delete a policy that apps still use; so does Gatehouse, naming them.
      const apps = await tx.policies.appsUsing(existing.id);
      if (apps.length > 0) {
        throw new GatehouseError('API_CONFLICT', {
          detail: `policy ${existing.id} is used by ${apps.length === 1 ? 'the application' : `${apps.length} applications`}: ${apps.map((a) => `"${a.name}" (${a.id})`).join(', ')}`,
          hint: "remove it from those applications' policies first",
        });
      }
      // The dashboard's administrators are this policy's include list. Deleting it would lock every administrator out
      // for good (no setup link is offered once one was used), so it can be edited but not deleted.
      if ((await tx.settings.get(ADMIN_POLICY_KEY)) === existing.id) {
        throw new GatehouseError('API_CONFLICT', {
          detail: `policy ${existing.id} names the dashboard's administrators and cannot be deleted`,
          hint: 'edit its rules to change who administers Gatehouse, or name another policy in `gatehouse apply` (dashboard_admin_policy_id) first',
        });
      }
      await tx.policies.delete(existing.id);
    });
    return success({ id: existing.id });
  });
}
