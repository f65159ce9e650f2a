import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { OidcIdpRecord } from '../connectors/idp-record.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { uuid } from '../lib/random.js';
import { success } from './envelope.js';
import { REDACTED, idpEnvelopeSchema, oidcConfigSchema } from './idp-schema.js';
import { serializeIdp } from './idp-serializer.js';
import { pageRequest, resultInfo } from './pagination.js';
import { notFound } from './route-params.js';
import { validateBody } from './validate.js';

/** /accounts/{account_id}/access/identity_providers */
export function registerIdentityProviderRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/identity_providers';

  api.get(base, async (req) => {
    const page = pageRequest(req.query);
    const { items, total } = await ctx.store.idps.list(page.offset, page.perPage);
    return success(items.map((i) => serializeIdp(i, ctx.urls)), resultInfo(page, items.length, total));
  });

  api.get<{ Params: { id: string } }>(`${base}/:id`, async (req) => success(serializeIdp(await load(ctx, req.params.id), ctx.urls)));

  api.post(base, async (req) => {
    const now = ctx.clock.now();
    const record: OidcIdpRecord = { id: uuid(), ...parseIdp(req.body, undefined), createdAt: now, updatedAt: now };
    await ctx.store.changeConfig((tx) => tx.idps.insert(record));
    return success(serializeIdp(record, ctx.urls));
  });

  api.put<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const existing = await load(ctx, req.params.id);
    const storedSecret = existing.type === 'oidc' ? existing.config.clientSecret : undefined;
    const record: OidcIdpRecord = { ...existing, ...parseIdp(req.body, storedSecret), updatedAt: ctx.clock.now() };
    await ctx.store.changeConfig((tx) => tx.idps.update(record));
    return success(serializeIdp(record, ctx.urls));
  });

  api.delete<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const existing = await load(ctx, req.params.id);
    const users = (await ctx.store.apps.list(0, 10_000)).items.filter((a) => a.allowedIdps.includes(existing.id));
    if (users.length > 0) {
      throw new GatehouseError('API_CONFLICT', {
        detail: `login method ${existing.id} is in allowed_idps of ${users.map((a) => `${a.name} (${a.id})`).join(', ')}`,
        hint: 'remove it from those applications first',
      });
    }
    await ctx.store.changeConfig((tx) => tx.idps.delete(existing.id));
    return success({ id: existing.id });
  });
}

async function load(ctx: AppContext, id: string) {
  const found = await ctx.store.idps.get(id);
  if (!found) throw notFound('identity provider', id);
  return found;
}

/** Validates a whole body (envelope and config together, so all problems come back at once). */
function parseIdp(body: unknown, storedSecret: string | undefined): Pick<OidcIdpRecord, 'name' | 'type' | 'config'> {
  const parsed = validateBody(idpEnvelopeSchema.extend({ config: oidcConfigSchema }), body);
  const c = parsed.config;
  // On update an omitted or redacted secret keeps the stored one; on create a secret is required.
  const secret = c.client_secret !== undefined && c.client_secret !== REDACTED ? c.client_secret : storedSecret;
  if (secret === undefined) {
    throw new GatehouseError('API_VALIDATION', { fields: [{ pointer: '/config/client_secret', message: 'is required' }], detail: 'client_secret missing' });
  }
  return {
    name: parsed.name,
    type: 'oidc',
    config: {
      clientId: c.client_id,
      clientSecret: secret,
      authUrl: c.auth_url,
      tokenUrl: c.token_url,
      certsUrl: c.certs_url,
      scopes: c.scopes.includes('openid') ? c.scopes : ['openid', ...c.scopes],
      claims: c.claims,
      emailClaimName: c.email_claim_name,
      pkceEnabled: c.pkce_enabled,
      ...(c.issuer ? { issuer: c.issuer } : {}),
    },
  };
}
