import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { newRayId } from '../lib/random.js';
import { errorPage } from '../web/error-page.js';
import { pageHeaders } from '../web/page-layout.js';
import { GatehouseError } from './gatehouse-error.js';

/**
 * The one place a refusal on a user-facing route is rendered: the user gets the public message and a reference id;
 * the log gets the code, the precise reason and the hint under the same id.
 */
export function renderErrorPage(error: unknown, req: FastifyRequest, reply: FastifyReply, logger: Logger): FastifyReply {
  const e = toGatehouseError(error, req.url.startsWith('/cdn-cgi/access/callback'));
  // The flow may have recorded the refusal in the authentication log already; the page shows that same id.
  // Otherwise the request's own id (genReqId), which fastify's request-scoped log lines carry as request_id.
  const rayId = e.rayId ?? (typeof req.id === 'string' && /^[0-9a-f]{16}$/.test(req.id) ? req.id : newRayId());
  const level = e.status >= 500 ? 'error' : 'warn';
  logger[level](
    { event: 'auth.failure', code: e.code, ray_id: rayId, request_id: req.id, detail: e.detail, hint: e.hint, method: req.method, path: req.routeOptions.url ?? req.url.split('?')[0], ip: req.ip, err: e.status >= 500 ? e.cause ?? e : undefined },
    e.publicMessage,
  );
  return reply
    .status(e.status)
    .headers(pageHeaders())
    .header('x-gatehouse-ray-id', rayId)
    .send(errorPage({ title: e.status === 403 ? 'Access denied' : 'Sign-in failed', message: e.publicMessage, rayId }));
}

export function toGatehouseError(error: unknown, atSamlAcs = false): GatehouseError {
  if (error instanceof GatehouseError) return error;
  const statusCode = (error as { statusCode?: number })?.statusCode;
  // At the ACS, fastify's own refusals are SAML binding problems: a body over the form limit, or not a form.
  if (atSamlAcs && statusCode === 413) return new GatehouseError('SAML_TOO_LARGE', { detail: `callback body over the form limit: ${String(error)}`, cause: error });
  if (atSamlAcs && statusCode === 415) return new GatehouseError('SAML_BINDING', { detail: `callback body is not a form: ${String(error)}`, cause: error });
  if (statusCode === 413) return new GatehouseError('APP_REQUEST_TOO_LARGE', { detail: String(error), cause: error });
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return new GatehouseError('APP_REQUEST_INVALID', { detail: String(error), cause: error });
  return new GatehouseError('INTERNAL', { detail: error instanceof Error ? error.message : String(error), cause: error });
}
