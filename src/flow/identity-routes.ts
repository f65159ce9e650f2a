import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { AppDirectory } from '../apps/app-directory.js';
import { clientFacts, type TrustedProxies } from '../http/client-facts.js';
import { evaluateAccess } from '../policy/evaluate-access.js';
import { evaluationContext } from './evaluation-context.js';
import { getIdentityBody } from '../session/get-identity-body.js';
import type { SessionKeyring } from '../session/session-keyring.js';
import type { SessionService } from '../session/session-service.js';
import { AUTO_SUBMIT_JS, STYLESHEET } from '../web/assets.js';
import { launcherPage } from '../web/launcher-page.js';
import { html } from '../lib/html.js';
import { ASSET_BASE, pageHeaders, pageLayout } from '../web/page-layout.js';

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'private, no-store',
  vary: 'Cookie',
  'x-content-type-options': 'nosniff',
};

/** Team-domain endpoints around the session: get-identity, certs, logout, the launcher, static assets. */
export function registerIdentityRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  sessions: SessionService,
  keyring: SessionKeyring,
  apps: AppDirectory,
  proxies: TrustedProxies,
): void {
  app.get('/cdn-cgi/access/get-identity', async (req, reply) => {
    const session = await sessions.read(req.headers.cookie);
    if (!session) return reply.status(401).headers(JSON_HEADERS).send({ err: 'no valid session' });
    return reply.headers(JSON_HEADERS).send(getIdentityBody(session.record, ctx.accountId, session.nonce));
  });

  app.get('/cdn-cgi/access/certs', async (_req, reply) => {
    const keys = await keyring.keys();
    const certs = keys.map((k) => ({ kid: k.kid, cert: k.certificatePem.trim() }));
    return reply.header('cache-control', 'public, max-age=300').send({
      keys: keys.map((k) => k.jwk),
      public_cert: certs[0],
      public_certs: certs,
    });
  });

  const logout = async (cookie: string | undefined) => {
    const session = await sessions.read(cookie);
    // Server-side revocation: the identity row is gone, so the token stops working on every instance at once.
    if (session) await sessions.revoke(session.nonce);
  };
  app.get('/cdn-cgi/access/logout', async (req, reply) => {
    await logout(req.headers.cookie);
    return reply.header('set-cookie', sessions.clearCookie()).headers(pageHeaders()).send(signedOutPage());
  });
  app.post('/cdn-cgi/access/logout', async (req, reply) => {
    await logout(req.headers.cookie);
    return reply.header('set-cookie', sessions.clearCookie()).headers(pageHeaders()).send(signedOutPage());
  });

  app.get('/', async (req, reply) => {
    const session = await sessions.read(req.headers.cookie);
    if (!session) return reply.header('cache-control', 'no-store').redirect(ctx.urls.loginPage, 302);
    // The launcher lists only the apps this user may open: each visible app's policies are evaluated for the
    // session's identity and this connection, exactly as its SSO endpoint would.
    const context = evaluationContext(session.record.identity, clientFacts(req.socket.remoteAddress, req.headers, proxies));
    const visible = (await ctx.store.apps.list(0, 1000)).items.filter((a) => a.appLauncherVisible);
    const tiles: Array<{ name: string; href: string }> = [];
    for (const a of visible) {
      const target = await apps.byId(a.id);
      if (target && evaluateAccess(target.policies, context, target.lookups).allowed) tiles.push({ name: a.name, href: ctx.urls.ssoEndpoint(a.aud) });
    }
    tiles.sort((x, y) => x.name.localeCompare(y.name));
    return reply.headers(pageHeaders()).send(launcherPage({ email: session.record.identity.email, tiles }));
  });

  app.get(`${ASSET_BASE}/gatehouse.css`, async (_req, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );
  // The organization's login design as a stylesheet: colours only, each re-checked as a hex colour here, so nothing
  // but a colour can reach CSS (the CSP allows no inline style).
  app.get(`${ASSET_BASE}/login-design.css`, async (_req, reply) => {
    const d = (await apps.organization()).loginDesign;
    const hex = (v: string | undefined) => (v && /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v) ? v : undefined);
    const rules = [hex(d.backgroundColor) ? `body{background-color:${hex(d.backgroundColor)}}` : '', hex(d.textColor) ? `.brand,.login-header,.login-footer{color:${hex(d.textColor)}}` : ''].join('\n');
    return reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'no-cache').send(rules);
  });
  app.get(`${ASSET_BASE}/auto-submit.js`, async (_req, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(AUTO_SUBMIT_JS),
  );
}

function signedOutPage(): string {
  return pageLayout('Signed out', html`<h1>You are signed out</h1><p><a href="/">Sign in again</a></p>`);
}
