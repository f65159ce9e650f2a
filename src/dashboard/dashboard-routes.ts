import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { html } from '../lib/html.js';
import { randomToken, uuid } from '../lib/random.js';
import { dashboardPage, setupDonePage, setupPage } from '../web/dashboard-pages.js';
import { pageHeaders } from '../web/page-layout.js';
import type { FirstRun } from '../setup/first-run.js';
import type { AdminApiClient } from './admin-api-client.js';
import { registerLogScreens } from './logs-routes.js';
import { registerPolicyScreens } from './policies-routes.js';
import { registerSettingsRoutes } from './settings-routes.js';
import { registerApplicationsRoutes } from './applications-routes.js';
import { registerAuthenticationRoutes } from './authentication-routes.js';
import type { Admin, DashboardAuth } from './dashboard-auth.js';

/** What each dashboard screen's routes are given. */
export interface DashboardKit {
  ctx: AppContext;
  /** The admin API, in-process: the dashboard's forms become its JSON requests. */
  adminApi: AdminApiClient;
  /** Wraps a handler: only administrators reach it; POSTs are CSRF- and origin-checked first. */
  admin(handler: (req: FastifyRequest, reply: FastifyReply, who: Admin) => Promise<unknown>): (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  page(reply: FastifyReply, body: string, status?: number): FastifyReply;
  email(who: Admin): string;
}

/** Screens with their own route files register here. */
const screens: Array<(app: FastifyInstance, kit: DashboardKit) => void> = [registerApplicationsRoutes, registerAuthenticationRoutes, registerSettingsRoutes, registerPolicyScreens, registerLogScreens];

/** The first-run setup page and the admin dashboard (server-rendered; every form works without JavaScript). */
export function registerDashboardRoutes(app: FastifyInstance, ctx: AppContext, auth: DashboardAuth, firstRun: FirstRun, adminApi: AdminApiClient): void {
  const page = (reply: FastifyReply, body: string, status = 200) => reply.status(status).headers(pageHeaders()).send(body);

  app.get<{ Querystring: { token?: string } }>('/cdn-cgi/access/setup', async (req, reply) => {
    await firstRun.check(req.query.token);
    return page(reply, setupPage({ token: req.query.token! }));
  });

  app.post<{ Body: Record<string, unknown> }>('/cdn-cgi/access/setup', async (req, reply) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : undefined;
    try {
      const { emails } = await firstRun.complete(token, typeof req.body?.emails === 'string' ? req.body.emails : '');
      return page(reply, setupDonePage(emails));
    } catch (e) {
      if (e instanceof GatehouseError && e.code === 'API_VALIDATION' && token) return page(reply, setupPage({ token, problem: 'Enter one or more valid email addresses.' }), 400);
      throw e;
    }
  });

  /** Runs `handler` for a signed-in administrator; anyone else is sent to sign in first. */
  const admin: DashboardKit['admin'] = (handler) => async (req, reply) => {
    const who = await auth.admin(req);
    if (!who) return reply.header('cache-control', 'no-store').redirect(`${ctx.urls.loginPage}?next=dashboard`, 302);
    if (req.method === 'POST') await auth.checkPost(req, who, (req.body as Record<string, unknown> | undefined)?.csrf);
    return handler(req, reply, who);
  };
  const email = (who: Admin) => who.session.record.identity.email;
  const kit: DashboardKit = { ctx, adminApi, admin, page, email };
  for (const register of screens) register(app, kit);

  app.get('/dashboard', admin(async (_req, reply) => reply.redirect('/dashboard/applications', 302)));

  const tokensPage = async (reply: FastifyReply, who: Admin, created?: { name: string; token: string }) => {
    const tokens = await ctx.store.apiTokens.list();
    return page(
      reply,
      dashboardPage(
        'API tokens',
        'tokens',
        email(who),
        html`${created ? html`<div class="notice" role="status"><p>Token <strong>${created.name}</strong> created. Copy it now: it is shown only this once.</p><p><code id="new-token">${created.token}</code></p></div>` : ''}
<table><caption>API tokens</caption><thead><tr><th scope="col">Name</th><th scope="col">Created (UTC)</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${tokens.map(
  (t) => html`<tr><td>${t.name}</td><td>${t.createdAt.toISOString().slice(0, 19).replace('T', ' ')}</td><td><form method="post" action="/dashboard/tokens/${t.id}/revoke"><input type="hidden" name="csrf" value="${who.csrf}"><button type="submit" class="secondary">Revoke ${t.name}</button></form></td></tr>`,
)}
</tbody></table>
<form method="post" action="/dashboard/tokens">
<input type="hidden" name="csrf" value="${who.csrf}">
<label for="token-name">Name of a new token</label>
<input id="token-name" name="name" required maxlength="100">
<button type="submit">Create token</button>
</form>`,
      ),
    );
  };

  app.get('/dashboard/tokens', admin(async (_req, reply, who) => tokensPage(reply, who)));

  app.post(
    '/dashboard/tokens',
    admin(async (req, reply, who) => {
      const raw = (req.body as Record<string, unknown> | undefined)?.name;
      const name = typeof raw === 'string' ? raw.trim().slice(0, 100) : '';
      if (!name) throw new GatehouseError('DASHBOARD_FORM_REFUSED', { detail: 'API token without a name' });
      const token = `gh_${randomToken(32)}`;
      // Only the hash is stored; the page shows the token this once.
      await ctx.store.apiTokens.put(uuid(), name, token, ctx.clock.now());
      ctx.logger.info({ event: 'api_token.created', name, by: email(who) }, 'API token created');
      return tokensPage(reply, who, { name, token });
    }),
  );

  app.post(
    '/dashboard/tokens/:id/revoke',
    admin(async (req, reply, who) => {
      const id = idParam(req);
      await ctx.store.apiTokens.delete(id);
      ctx.logger.info({ event: 'api_token.revoked', id, by: email(who) }, 'API token revoked');
      return reply.redirect('/dashboard/tokens', 303);
    }),
  );
}

function idParam(req: FastifyRequest): string {
  const id = (req.params as { id?: unknown }).id;
  return typeof id === 'string' ? id : '';
}
