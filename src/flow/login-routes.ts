import type { FastifyInstance } from 'fastify';
import { clientFacts, type TrustedProxies } from '../http/client-facts.js';
import type { LoginFlow } from './login-flow.js';
import type { ReturnTarget } from './transactions.js';
import { sendReply } from './send-reply.js';
import { toParams } from './sso-routes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Login page, upstream login start, and the one callback for every upstream login method. */
export function registerLoginRoutes(app: FastifyInstance, flow: LoginFlow, proxies: TrustedProxies): void {
  app.get<{ Querystring: { tx?: string; next?: string } }>('/cdn-cgi/access/login', async (req, reply) =>
    sendReply(reply, await flow.loginPage(txParam(req.query.tx), req.headers.cookie, nextParam(req.query.next))),
  );

  app.get<{ Params: { idpId: string }; Querystring: { tx?: string; next?: string } }>('/cdn-cgi/access/login/:idpId', async (req, reply) => {
    const idpId = UUID.test(req.params.idpId) ? req.params.idpId : '00000000-0000-0000-0000-000000000000';
    return sendReply(reply, await flow.startUpstream(idpId, txParam(req.query.tx), req.headers.cookie, false, nextParam(req.query.next)));
  });

  app.get<{ Params: { idpId: string }; Querystring: { ticket?: string } }>('/cdn-cgi/access/test/:idpId', async (req, reply) => {
    const idpId = UUID.test(req.params.idpId) ? req.params.idpId : '00000000-0000-0000-0000-000000000000';
    const ticket = typeof req.query.ticket === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(req.query.ticket) ? req.query.ticket : undefined;
    return sendReply(reply, await flow.startTest(idpId, ticket, req.headers.cookie));
  });

  app.get('/cdn-cgi/access/callback', async (req, reply) =>
    sendReply(reply, await flow.callback({ method: 'GET', contentType: undefined, params: new URL(req.url, 'http://x').searchParams, cookieHeader: req.headers.cookie, client: clientFacts(req.socket.remoteAddress, req.headers, proxies) })),
  );

  app.post('/cdn-cgi/access/callback', async (req, reply) => {
    // Only a flat form is a SAML HTTP-POST message; a JSON body is parsed by fastify but refused by the flow.
    const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const flat = Object.fromEntries(Object.entries(body).filter((e): e is [string, string | string[]] => typeof e[1] === 'string' || (Array.isArray(e[1]) && e[1].every((v) => typeof v === 'string'))));
    return sendReply(reply, await flow.callback({ method: 'POST', contentType: req.headers['content-type'], params: toParams(flat), cookieHeader: req.headers.cookie, client: clientFacts(req.socket.remoteAddress, req.headers, proxies) }));
  });
}

function txParam(tx: unknown): string | undefined {
  return typeof tx === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(tx) ? tx : typeof tx === 'string' ? 'invalid' : undefined;
}

function nextParam(next: unknown): ReturnTarget | undefined {
  return next === 'dashboard' ? 'dashboard' : undefined;
}
