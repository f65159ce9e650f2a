import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { adminApiPlugin } from './admin-api/admin-api-plugin.js';
import type { AppContext } from './app-context.js';
import { AppDirectory } from './apps/app-directory.js';
import { SamlResponder } from './apps/saml/saml-responder.js';
import { ConnectorRegistry } from './connectors/connector-registry.js';
import { GatehouseError } from './errors/gatehouse-error.js';
import { renderErrorPage } from './errors/render-error.js';
import { registerIdentityRoutes } from './flow/identity-routes.js';
import { LoginFlow } from './flow/login-flow.js';
import { registerLoginRoutes } from './flow/login-routes.js';
import { registerSpMetadataRoutes } from './flow/sp-metadata-routes.js';
import { registerOtpRoutes } from './flow/otp-routes.js';
import { AdminApiClient } from './dashboard/admin-api-client.js';
import { DashboardAuth } from './dashboard/dashboard-auth.js';
import { newRayId, randomToken } from './lib/random.js';
import { registerDashboardRoutes } from './dashboard/dashboard-routes.js';
import { FirstRun } from './setup/first-run.js';
import { OtpService } from './flow/otp-service.js';
import { createMailer } from './mail/mailer.js';
import { SpSigningKey } from './connectors/saml/sp-signing-key.js';
import { registerSsoRoutes } from './flow/sso-routes.js';
import { timingSafeEqual } from 'node:crypto';
import { trustedProxies } from './http/client-facts.js';
import { Metrics } from './observability/metrics.js';
import { LATEST_MIGRATION } from './store/migrations.js';
import { classifyStoreError } from './store/classify-store-error.js';
import { parseDuration } from './lib/duration.js';
import { AccessLogWriter } from './logs/access-log-writer.js';
import { SessionKeyring } from './session/session-keyring.js';
import { SessionService } from './session/session-service.js';
import { SessionTokens } from './session/session-token.js';

/** Cloudflare's default global session length, used if the stored organization setting were ever unreadable. */
const SESSION_DURATION = '24h';

export interface BuiltApp {
  http: FastifyInstance;
  keyring: SessionKeyring;
  sessions: SessionService;
}

/** Composes the HTTP server: security defaults, each module's routes, one error renderer per surface. */
export async function buildApp(ctx: AppContext): Promise<BuiltApp> {
  const http = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Per-request lines are noise at this rate; refusals and sign-ins are logged by the flow with their reasons.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: 1024 * 1024,
    // The socket peer is the client; headers from proxies are trusted only once a trusted-proxy list exists.
    trustProxy: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // Every request gets a ray id of Gatehouse's own (a client cannot choose it): fastify's request logger carries it
    // as request_id, and a refusal's page shows it as the reference, so the user's id finds the admin's lines.
    genReqId: () => newRayId(),
    requestIdHeader: false,
  });

  const metrics = new Metrics(ctx.poolStats);
  const keyring = new SessionKeyring(ctx.store, ctx.clock);
  await keyring.ensureKey();
  const tokens = new SessionTokens(keyring, {
    issuer: ctx.urls.base,
    audience: ctx.urls.authDomain,
    accountId: ctx.accountId,
    clockSkewSeconds: Math.round(ctx.config.clockSkewMs / 1000),
  });
  const apps = new AppDirectory(ctx.store, ctx.clock);
  const sessions = new SessionService(ctx.store, tokens, ctx.clock, {
    secure: ctx.urls.secure,
    durationMs: async () => parseDuration((await apps.organization()).sessionDuration) ?? parseDuration(SESSION_DURATION)!,
  });
  const proxies = trustedProxies(ctx.config.trustedProxies);
  const spKey = new SpSigningKey(ctx.store, ctx.clock);
  const connectors = new ConnectorRegistry(ctx.clock, { store: ctx.store, spKey, logger: ctx.logger, spEntityId: ctx.urls.samlSpEntityId, skewMs: ctx.config.clockSkewMs }, ctx.urls.base);
  const flow = new LoginFlow(ctx, sessions, connectors, new SamlResponder(ctx.urls), apps, new AccessLogWriter(ctx.store), metrics);

  http.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (ctx.urls.secure) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });

  // Liveness: the process is up and serving HTTP.
  http.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  // Readiness: the database answers and its schema is the one this code migrates to.
  http.get('/readyz', async (_req, reply) => {
    try {
      const applied = await ctx.store.appliedMigration();
      if (applied !== LATEST_MIGRATION) return reply.status(503).header('cache-control', 'no-store').send({ status: 'migrations-pending', applied, expected: LATEST_MIGRATION });
      return reply.header('cache-control', 'no-store').send({ status: 'ready' });
    } catch (e) {
      ctx.logger.warn({ event: 'readyz.database', err: e }, 'database not reachable');
      return reply.status(503).header('cache-control', 'no-store').send({ status: 'database-unreachable' });
    }
  });
  http.get('/metrics', async (req, reply) => {
    // Metrics name apps and counts sign-ins: a token when configured, otherwise this machine only.
    const token = ctx.config.metricsToken;
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const loopback = /^(127\.|::1$|::ffff:127\.)/.test(req.socket.remoteAddress ?? '');
    const allowed = token ? given !== undefined && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token)) : loopback;
    if (!allowed) return reply.status(401).header('cache-control', 'no-store').send('metrics need GATEHOUSE_METRICS_TOKEN as a bearer token, or a loopback client\n');
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(await metrics.registry.metrics());
  });

  const internalToken = randomToken(32);
  await http.register(adminApiPlugin(ctx, internalToken), { prefix: '/client/v4' });
  const adminApi = new AdminApiClient(http, ctx.accountId, internalToken);

  // User-facing pages: forms are parsed with a limit checked before any base64 decoding (XML-12); a SAMLResponse
  // decodes to at most 256 KiB, which is 342 KiB of base64.
  await http.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 512 * 1024 });
    pages.setErrorHandler((error, req, reply) => {
      // A database that is down or a full disk is the environment's fault, not the request's: a 503 the user can
      // retry shortly, instead of the INTERNAL page (classify-store-error.ts).
      const unavailable = classifyStoreError(error);
      if (unavailable) reply.header('retry-after', '5');
      return renderErrorPage(unavailable ?? error, req, reply, ctx.logger);
    });
    pages.setNotFoundHandler((req, reply) => renderErrorPage(new GatehouseError('NOT_FOUND', { detail: `no route ${req.method} ${req.url.split('?')[0]}` }), req, reply, ctx.logger));
    registerSsoRoutes(pages, ctx, flow, apps, proxies, metrics);
    registerLoginRoutes(pages, flow, proxies);
    registerSpMetadataRoutes(pages, ctx, spKey);
    registerDashboardRoutes(pages, ctx, new DashboardAuth(ctx, sessions, apps, proxies), new FirstRun(ctx), adminApi);
    registerOtpRoutes(pages, new OtpService(ctx, createMailer(ctx.config.smtp, ctx.config.production, ctx.logger)), proxies);
    registerIdentityRoutes(pages, ctx, sessions, keyring, apps, proxies);
  });

  return { http, keyring, sessions };
}
