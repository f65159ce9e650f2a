import { timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ERRORS } from '../errors/catalog.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { newRayId } from '../lib/random.js';
import { classifyStoreError } from '../store/classify-store-error.js';
import { registerAccessKeyRoutes } from './access-keys-routes.js';
import { registerAccessLogRoutes } from './access-logs-routes.js';
import { registerAppCertificateRoutes } from './app-certificates-routes.js';
import { registerOrganizationRoutes } from './organizations-routes.js';
import { registerAppPolicyRoutes } from './app-policies-routes.js';
import { registerAppRoutes } from './apps-routes.js';
import { failure, fieldErrors } from './envelope.js';
import { registerGroupRoutes } from './groups-routes.js';
import { registerIdentityProviderRoutes } from './identity-providers-routes.js';
import { registerIdpTestRoutes } from './idp-test-routes.js';
import { registerListRoutes } from './lists-routes.js';
import { registerPolicyRoutes } from './policies-routes.js';
import { registerPolicyTesterRoutes } from './policy-tester-routes.js';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/**
 * The Cloudflare-shaped admin API, mounted at /client/v4. Every answer, success or failure, is the v4 envelope.
 * Library errors (fastify body parsing, zod) are translated here, once.
 */
export function adminApiPlugin(ctx: AppContext, internalToken?: string): FastifyPluginAsync {
  return async (api: FastifyInstance) => {
    // JSON only: a text/plain body is the classic cross-site form vector (ADM-IN-06).
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => {
      try {
        done(null, body === '' ? undefined : JSON.parse(body as string));
      } catch (e) {
        done(new GatehouseError('API_VALIDATION', { fields: [{ pointer: '', message: 'body is not valid JSON' }], cause: e }), undefined);
      }
    });

    api.addHook('onRequest', async (req) => {
      await authenticate(ctx, req, internalToken);
      const accountId = (req.params as { account_id?: string }).account_id;
      if (accountId !== undefined && accountId !== ctx.accountId) {
        throw new GatehouseError('API_ACCOUNT_NOT_FOUND', { detail: `account ${accountId.slice(0, 64)} is not this Gatehouse's account` });
      }
    });

    api.setErrorHandler((error, req, reply) => sendError(ctx, error, req, reply));
    api.setNotFoundHandler(async (req, reply) => {
      // Unknown routes still require a token: route existence is not disclosed to anonymous callers.
      try {
        await authenticate(ctx, req, internalToken);
        throw new GatehouseError('API_NOT_FOUND', { detail: `no route ${req.method} ${req.url.split('?')[0]}` });
      } catch (e) {
        return sendError(ctx, e, req, reply);
      }
    });

    registerIdentityProviderRoutes(api, ctx);
    registerIdpTestRoutes(api, ctx);
    registerAppRoutes(api, ctx);
    registerAppCertificateRoutes(api, ctx);
    registerAppPolicyRoutes(api, ctx);
    registerPolicyRoutes(api, ctx);
    registerGroupRoutes(api, ctx);
    registerListRoutes(api, ctx);
    registerPolicyTesterRoutes(api, ctx);
    registerAccessLogRoutes(api, ctx);
    registerOrganizationRoutes(api, ctx);
    registerAccessKeyRoutes(api, ctx);
  };
}

async function authenticate(ctx: AppContext, req: FastifyRequest, internalToken?: string): Promise<void> {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  if (!match) {
    const legacy = req.headers['x-auth-key'] !== undefined || req.headers['x-auth-email'] !== undefined;
    throw new GatehouseError('API_AUTH_REQUIRED', {
      detail: legacy ? 'X-Auth-Email/X-Auth-Key are not supported: use an API token (Authorization: Bearer <token>)' : 'missing Authorization: Bearer <token>',
    });
  }
  // The dashboard calls this API in-process (AdminApiClient) with a random per-process token that never leaves
  // memory; it already checked that its caller is an administrator.
  if (internalToken !== undefined && match[1]!.length === internalToken.length && timingSafeEqual(Buffer.from(match[1]!), Buffer.from(internalToken))) return;
  // Tokens are stored as SHA-256 hashes; the lookup is by hash, so no stored secret is ever compared byte by byte.
  const token = await ctx.store.apiTokens.findByToken(match[1]!);
  if (!token) throw new GatehouseError('API_AUTH_REQUIRED', { detail: 'unknown or revoked API token' });
}

function sendError(ctx: AppContext, error: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toApiError(error);
  const rayId = newRayId();
  ctx.logger[e.status >= 500 ? 'error' : 'info'](
    { event: 'api.error', code: e.code, ray_id: rayId, detail: e.detail, hint: e.hint, method: req.method, path: req.url.split('?')[0], err: e.status >= 500 ? error : undefined },
    e.publicMessage,
  );
  const errors = e.fields.length > 0 ? fieldErrors(e.apiCode, e.fields) : [{ code: e.apiCode, message: e.status >= 500 ? `${e.publicMessage} (reference ${rayId})` : e.detail ?? e.publicMessage }];
  if (e.code === 'STORE_UNAVAILABLE') reply.header('retry-after', '5');
  return reply.status(e.status).header('cache-control', 'no-store').send(failure(errors));
}

function toApiError(error: unknown): GatehouseError {
  if (error instanceof GatehouseError) return error;
  const f = error as FastifyError;
  switch (f?.statusCode) {
    case 413:
      return new GatehouseError('API_BODY_TOO_LARGE', { detail: ERRORS.API_BODY_TOO_LARGE.message });
    case 415:
      return new GatehouseError('API_UNSUPPORTED_MEDIA_TYPE', { detail: ERRORS.API_UNSUPPORTED_MEDIA_TYPE.message });
    case 400:
      return new GatehouseError('API_VALIDATION', { detail: f.message, fields: [{ pointer: '', message: f.message }] });
    default:
      // The database down or its disk full: 503 STORE_UNAVAILABLE in the envelope, as on the pages.
      return classifyStoreError(error) ?? new GatehouseError('INTERNAL', { detail: error instanceof Error ? error.message : String(error), cause: error });
  }
}
