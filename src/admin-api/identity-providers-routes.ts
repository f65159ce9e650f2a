import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { IdpRecord, OidcIdpRecord, OtpIdpRecord, SamlIdpRecord } from '../connectors/idp-record.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { uuid } from '../lib/random.js';
import type { FetchMetadataOptions } from '../net/fetch-metadata-url.js';
import { buildSamlIdpConfig, storedSamlIdpWarnings } from './build-saml-idp-config.js';
import { type ApiMessage, success } from './envelope.js';
import { REDACTED, idpEnvelopeSchema, oidcConfigSchema, otpConfigSchema } from './idp-schema.js';
import { serializeIdp } from './idp-serializer.js';
import { pageRequest, resultInfo } from './pagination.js';
import { refuseIfUsed, usersOf } from './reference-checks.js';
import { notFound } from './route-params.js';
import { samlConfigSchema } from './saml-idp-schema.js';
import { validateBody } from './validate.js';

/**
 * What the routes need: the AppContext, and optionally other limits for fetching `metadata_url` (tests shrink the
 * timeout; in production the defaults of fetchMetadataUrl apply). Any AppContext qualifies.
 */
export interface IdentityProviderRoutesContext extends AppContext {
  metadataFetch?: FetchMetadataOptions;
}

type ParsedIdp = {
  idp: Pick<OidcIdpRecord, 'name' | 'type' | 'config'> | Pick<SamlIdpRecord, 'name' | 'type' | 'config'> | Pick<OtpIdpRecord, 'name' | 'type' | 'config'>;
  messages: ApiMessage[];
};

/** /accounts/{account_id}/access/identity_providers */
export function registerIdentityProviderRoutes(api: FastifyInstance, ctx: IdentityProviderRoutesContext): void {
  const base = '/accounts/:account_id/access/identity_providers';

  api.get(base, async (req) => {
    const page = pageRequest(req.query);
    const { items, total } = await ctx.store.idps.list(page.offset, page.perPage);
    return success(items.map((i) => serializeIdp(i, ctx.urls)), resultInfo(page, items.length, total));
  });

  api.get<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const idp = await load(ctx, req.params.id);
    return success(serializeIdp(idp, ctx.urls), undefined, readWarnings(idp, ctx.clock.now()));
  });

  api.post(base, async (req) => {
    const now = ctx.clock.now();
    const { idp, messages } = await parseAnyIdp(ctx, req.body, undefined);
    if (idp.type === 'onetimepin') {
      const existing = (await ctx.store.idps.list(0, 10_000)).items.find((i) => i.type === 'onetimepin');
      if (existing) throw new GatehouseError('API_CONFLICT', { detail: `a One-time PIN login method already exists (${existing.id})`, hint: 'there is one One-time PIN login method per account, as in Cloudflare' });
    }
    const record: IdpRecord = { id: uuid(), ...idp, createdAt: now, updatedAt: now };
    await ctx.store.changeConfig((tx) => tx.idps.insert(record));
    return success(serializeIdp(record, ctx.urls), undefined, messages);
  });

  api.put<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const existing = await load(ctx, req.params.id);
    const storedSecret = existing.type === 'oidc' ? existing.config.clientSecret : undefined;
    const { idp, messages } = await parseAnyIdp(ctx, req.body, storedSecret);
    if (idp.type !== existing.type) {
      throw new GatehouseError('API_VALIDATION', { fields: [{ pointer: '/type', message: `a ${existing.type} login method cannot become ${idp.type}; create a new one` }], detail: 'type change on PUT' });
    }
    const record = { ...existing, ...idp, updatedAt: ctx.clock.now() } as IdpRecord;
    await ctx.store.changeConfig((tx) => tx.idps.update(record));
    return success(serializeIdp(record, ctx.urls), undefined, messages);
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
    // Rules that name it (login_method, saml/oidc identity_provider_id) would otherwise point at nothing.
    refuseIfUsed(`login method ${existing.id}`, await usersOf(ctx.store, 'idps', existing.id));
    await ctx.store.changeConfig((tx) => tx.idps.delete(existing.id));
    return success({ id: existing.id });
  });
}

async function load(ctx: AppContext, id: string) {
  const found = await ctx.store.idps.get(id);
  if (!found) throw notFound('identity provider', id);
  return found;
}

/** Dispatches on `type`: saml bodies go to the SAML parser, everything else keeps the OIDC path (and its errors). */
async function parseAnyIdp(ctx: IdentityProviderRoutesContext, body: unknown, storedSecret: string | undefined): Promise<ParsedIdp> {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (type === 'saml') return parseSamlIdp(ctx, body);
  if (type === 'onetimepin') return parseOtpIdp(ctx, body);
  return { idp: parseIdp(body, storedSecret), messages: [] };
}

/** One-time PIN: no config. Refused in production without SMTP, where codes could only go to the log. */
async function parseOtpIdp(ctx: IdentityProviderRoutesContext, body: unknown): Promise<ParsedIdp> {
  const parsed = validateBody(idpEnvelopeSchema.extend({ config: otpConfigSchema }), body);
  if (ctx.config.production && !ctx.config.smtp) {
    throw new GatehouseError('API_VALIDATION', { fields: [{ pointer: '/type', message: 'One-time PIN needs outgoing mail in production: set GATEHOUSE_SMTP_HOST and GATEHOUSE_SMTP_FROM' }], detail: 'onetimepin without SMTP in production' });
  }
  return { idp: { name: parsed.name, type: 'onetimepin', config: {} }, messages: [] };
}

/**
 * A saml body: the envelope and config schema first (all shape problems at once), then metadata import and
 * certificate checks, which may fetch and therefore run only on a well-formed body.
 */
async function parseSamlIdp(ctx: IdentityProviderRoutesContext, body: unknown): Promise<ParsedIdp> {
  const parsed = validateBody(idpEnvelopeSchema.extend({ config: samlConfigSchema }), body);
  const { config, messages } = await buildSamlIdpConfig(parsed.config, { now: ctx.clock.now(), metadataFetch: ctx.metadataFetch });
  return { idp: { name: parsed.name, type: 'saml', config }, messages };
}

function readWarnings(idp: IdpRecord, now: Date): ApiMessage[] {
  return idp.type === 'saml' ? storedSamlIdpWarnings(idp.config, now) : [];
}

/** Validates a whole body (envelope and config together, so all problems come back at once). */
export function parseIdp(body: unknown, storedSecret: string | undefined): Pick<OidcIdpRecord, 'name' | 'type' | 'config'> {
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
