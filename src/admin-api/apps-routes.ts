import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { AppRecord, CustomAttribute } from '../apps/app-record.js';
import type { FieldProblem } from '../errors/gatehouse-error.js';
import { generateSigningCertificate } from '../keys/generate-signing-certificate.js';
import { randomHex, uuid } from '../lib/random.js';
import type { PolicyLink } from '../store/repos/policy-repo.js';
import type { Store } from '../store/store.js';
import { type AppBody, type AppPolicyItem, appBody } from './app-schema.js';
import { serializeApp } from './app-serializer.js';
import { certificateMessages } from './certificate-serializer.js';
import { success } from './envelope.js';
import { pageRequest, resultInfo } from './pagination.js';
import type { PolicyBody } from './policy-schema.js';
import { toPolicy } from './policy-mapping.js';
import { loadReferenceTargets, ruleSetProblems } from './reference-checks.js';
import { notFound } from './route-params.js';
import { rejectFields, validateBody } from './validate.js';

/** /accounts/{account_id}/access/apps (SaaS apps with SAML). */
export function registerAppRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/apps';
  // Certificates are read without their private keys; `messages` carries the 30-day expiry warnings.
  const view = async (app: AppRecord, store: Store = ctx.store) => {
    const certificates = await store.apps.certificates(app.id);
    const now = ctx.clock.now();
    return { result: serializeApp(app, certificates, await store.policies.listForApp(app.id), ctx.urls, now), messages: certificateMessages(app, certificates, now) };
  };
  const show = async (app: AppRecord, store: Store = ctx.store) => (await view(app, store)).result;

  api.get(base, async (req) => {
    const page = pageRequest(req.query);
    const { items, total } = await ctx.store.apps.list(page.offset, page.perPage);
    const views = await Promise.all(items.map((a) => view(a)));
    return success(
      views.map((v) => v.result),
      resultInfo(page, items.length, total),
      views.flatMap((v) => v.messages),
    );
  });

  api.get<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const v = await view(await loadApp(ctx, req.params.id));
    return success(v.result, undefined, v.messages);
  });

  api.post(base, async (req) => {
    const body = validateBody(appBody, req.body);
    const plan = await crossCheck(ctx, body);
    const now = ctx.clock.now();
    const app: AppRecord = { id: uuid(), aud: randomHex(32), type: 'saas', ...fromBody(body), createdAt: now, updatedAt: now };
    // The signing key is made before the transaction (key generation is slow) and stored with the app, atomically.
    const cert = await generateSigningCertificate({ commonName: `Gatehouse SAML ${app.name}`.slice(0, 64), now });
    const result = await ctx.store.changeConfig(async (tx) => {
      await tx.apps.insert(app);
      await tx.apps.insertSigningKey({ id: uuid(), appId: app.id, privateKeyPem: cert.privateKeyPem, certificatePem: cert.certificatePem, notAfter: cert.notAfter, createdAt: now, status: 'active' });
      if (plan) await writePolicies(tx, app.id, plan, now);
      return show(app, tx);
    });
    return success(result);
  });

  api.put<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const existing = await loadApp(ctx, req.params.id);
    const body = validateBody(appBody, req.body);
    const plan = await crossCheck(ctx, body);
    const now = ctx.clock.now();
    const app: AppRecord = { ...existing, ...fromBody(body), updatedAt: now };
    const result = await ctx.store.changeConfig(async (tx) => {
      await tx.apps.update(app);
      // PUT replaces the whole object; without a policies key the existing policies stay.
      if (plan) await writePolicies(tx, app.id, plan, now);
      return show(app, tx);
    });
    return success(result);
  });

  api.delete<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const existing = await loadApp(ctx, req.params.id);
    await ctx.store.changeConfig(async (tx) => {
      // Links first, like the app's other children: SQLite files without foreign-key enforcement stay clean too.
      await tx.policies.setLinks(existing.id, []);
      return tx.apps.delete(existing.id);
    });
    return success({ id: existing.id });
  });
}

export async function loadApp(ctx: AppContext, id: string): Promise<AppRecord> {
  const found = await ctx.store.apps.get(id);
  if (!found) throw notFound('application', id);
  return found;
}

/** Checks what the schema cannot (references into the store) and resolves the `policies` array. */
async function crossCheck(ctx: AppContext, body: AppBody): Promise<PolicyPlan | undefined> {
  const fields: FieldProblem[] = [];
  for (const [i, id] of body.allowed_idps.entries()) {
    if (!(await ctx.store.idps.get(id))) fields.push({ pointer: `/allowed_idps/${i}`, message: `no identity provider with id ${id}` });
  }
  if (body.auto_redirect_to_identity && body.allowed_idps.length !== 1) {
    fields.push({ pointer: '/auto_redirect_to_identity', message: 'requires exactly one entry in allowed_idps' });
  }
  for (const [i, attr] of body.saas_app.custom_attributes.entries()) {
    for (const [j, o] of nameByIdpEntries(attr.source.name_by_idp).entries()) {
      if (!(await ctx.store.idps.get(o.idpId))) fields.push({ pointer: `/saas_app/custom_attributes/${i}/source/name_by_idp/${j}`, message: `no identity provider with id ${o.idpId}` });
    }
  }
  const plan = body.policies === undefined ? undefined : await planPolicies(ctx, body.policies, fields);
  rejectFields(fields);
  return plan;
}

/** An app's policies as the request gives them: links to reusable policies, or inline (app-scoped) policies. */
interface PolicyPlan {
  links: PolicyLink[];
  inline: Array<{ body: PolicyBody; precedence: number }>;
}

/** Resolves the `policies` array; every problem is reported against its index. */
async function planPolicies(ctx: AppContext, items: AppPolicyItem[], fields: FieldProblem[]): Promise<PolicyPlan> {
  const plan: PolicyPlan = { links: [], inline: [] };
  const seenIds = new Map<string, number>();
  const seenPrecedence = new Map<number, number>();
  const targets = items.some((i) => i.kind === 'inline') ? await loadReferenceTargets(ctx.store) : undefined;
  for (const [i, item] of items.entries()) {
    if (item.kind === 'inline') {
      plan.inline.push({ body: item.body, precedence: item.body.precedence ?? i + 1 });
      fields.push(...ruleSetProblems(item.body, targets!, `/policies/${i}`, item.body.decision));
      continue;
    }
    const policy = await ctx.store.policies.get(item.id);
    if (!policy) {
      fields.push({ pointer: `/policies/${i}`, message: `no reusable policy with id ${item.id}` });
      continue;
    }
    if (policy.appId !== null) {
      // Cloudflare: legacy policies cannot be attached to other apps; only reusable ones are shared.
      fields.push({ pointer: `/policies/${i}`, message: `policy ${item.id} is an app-scoped (legacy) policy, not a reusable one; send it inline or make a reusable policy` });
      continue;
    }
    const precedence = item.precedence ?? i + 1;
    const sameId = seenIds.get(item.id);
    if (sameId !== undefined) fields.push({ pointer: `/policies/${i}`, message: `policy ${item.id} is already at index ${sameId}` });
    const samePrecedence = seenPrecedence.get(precedence);
    if (samePrecedence !== undefined) fields.push({ pointer: `/policies/${i}/precedence`, message: `precedence ${precedence} is already used by index ${samePrecedence}; it must be unique within an app` });
    seenIds.set(item.id, i);
    seenPrecedence.set(precedence, i);
    plan.links.push({ policyId: item.id, precedence });
  }
  return plan;
}

function nameByIdpEntries(v: AppBody['saas_app']['custom_attributes'][number]['source']['name_by_idp']): CustomAttribute['source']['nameByIdp'] {
  if (!v) return [];
  if (Array.isArray(v)) return v.map((o) => ({ idpId: o.idp_id, sourceName: o.source_name }));
  return Object.entries(v).map(([idpId, sourceName]) => ({ idpId, sourceName }));
}

export function fromBody(body: AppBody): Omit<AppRecord, 'id' | 'aud' | 'type' | 'createdAt' | 'updatedAt'> {
  const s = body.saas_app;
  return {
    name: body.name,
    allowedIdps: body.allowed_idps,
    autoRedirectToIdentity: body.auto_redirect_to_identity,
    appLauncherVisible: body.app_launcher_visible,
    ...(body.logo_url ? { logoUrl: body.logo_url } : {}),
    sessionDuration: body.session_duration,
    saasApp: {
      authType: 'saml',
      spEntityId: s.sp_entity_id,
      consumerServiceUrl: s.consumer_service_url,
      nameIdFormat: s.name_id_format,
      customAttributes: s.custom_attributes.map((a) => ({
        name: a.name,
        ...(a.name_format ? { nameFormat: a.name_format } : {}),
        ...(a.friendly_name ? { friendlyName: a.friendly_name } : {}),
        required: a.required,
        source: { name: a.source.name, nameByIdp: nameByIdpEntries(a.source.name_by_idp) },
      })),
      ...(s.default_relay_state !== undefined ? { defaultRelayState: s.default_relay_state } : {}),
    },
  };
}

/**
 * Replaces an app's policies with the plan: links, or app-scoped policies (never both; the schema refuses a mix).
 * An inline policy that carries the id of one of this app's own policies (a GET result sent back) keeps that id.
 */
async function writePolicies(tx: Store, appId: string, plan: PolicyPlan, now: Date): Promise<void> {
  const own = new Map((await tx.policies.listForApp(appId)).filter((p) => p.appId === appId).map((p) => [p.id, p]));
  await tx.policies.deleteForApp(appId);
  await tx.policies.setLinks(appId, plan.links);
  for (const { body, precedence } of plan.inline) {
    const kept = typeof body.id === 'string' ? own.get(body.id) : undefined;
    // One id, one policy: a second item with the same id gets a new one.
    if (kept) own.delete(kept.id);
    await tx.policies.insert(toPolicy(body, { id: kept?.id ?? uuid(), appId, precedence, createdAt: kept?.createdAt ?? now, updatedAt: now }));
  }
}
