import type { SecretSetting } from '../secrets/secret-contexts.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { AppDirectory } from '../apps/app-directory.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { evaluationContext } from '../flow/evaluation-context.js';
import { clientFacts, type TrustedProxies } from '../http/client-facts.js';
import { randomToken } from '../lib/random.js';
import { signInEntry } from '../logs/sign-in-entry.js';
import { evaluateAccess } from '../policy/evaluate-access.js';
import type { LiveSession, SessionService } from '../session/session-service.js';
import { ADMIN_POLICY_KEY } from '../setup/first-run.js';

const CSRF_KEY = 'csrf_key' satisfies SecretSetting;

export interface Admin {
  session: LiveSession;
  /** The CSRF token for this session's forms. */
  csrf: string;
}

/**
 * The dashboard is protected like any Access app: a Gatehouse session, admitted by the administrators' policy
 * (settings admin_policy_id, a reusable policy editable like any other), evaluated on every request. Its forms carry
 * a CSRF token bound to the session (HMAC of the session nonce under a per-deployment key), and a POST must also
 * come from Gatehouse's own origin.
 */
export class DashboardAuth {
  #key: Promise<Buffer> | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly sessions: SessionService,
    private readonly apps: AppDirectory,
    private readonly proxies: TrustedProxies,
  ) {}

  /** The admin behind the request, or undefined when nobody is signed in (the caller sends them to sign in). */
  async admin(req: FastifyRequest): Promise<Admin | undefined> {
    const session = await this.sessions.read(req.headers.cookie);
    if (!session) return undefined;
    const policyId = await this.ctx.store.settings.get(ADMIN_POLICY_KEY);
    const policy = policyId ? await this.ctx.store.policies.get(policyId) : undefined;
    const client = clientFacts(req.socket.remoteAddress, req.headers, this.proxies);
    const { identity } = session.record;
    const access = policy ? evaluateAccess([policy], evaluationContext(identity, client), await this.apps.lookups()) : { allowed: false, reasons: ['no-admin-policy'] };
    if (!access.allowed) {
      const entry = signInEntry(this.ctx, { action: 'sso', allowed: false, client, identity, appName: 'Gatehouse dashboard', reasons: access.reasons, errorCode: 'ACCESS_DENIED' });
      await this.ctx.store.accessLogs.insert(entry);
      const error = new GatehouseError('ACCESS_DENIED', { detail: `${identity.email} is not admitted by the administrators' policy; reasons ${access.reasons.join(', ')}`, hint: 'add the user to the "Gatehouse administrators" policy' });
      error.rayId = entry.rayId;
      throw error;
    }
    return { session, csrf: await this.#csrfFor(session.nonce) };
  }

  /** A state-changing dashboard request: same origin, and the form's CSRF token for this session. */
  async checkPost(req: FastifyRequest, admin: Admin, token: unknown): Promise<void> {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    // Browsers send Sec-Fetch-Site, which is decisive; Origin is "null" on our pages (Referrer-Policy no-referrer), so
    // it only counts when it names a real origin. The session-bound token is required in every case.
    const sameOrigin = site !== undefined ? site === 'same-origin' : origin === undefined || origin === 'null' || origin === this.ctx.urls.origin;
    const ok = typeof token === 'string' && token.length === admin.csrf.length && timingSafeEqual(Buffer.from(token), Buffer.from(admin.csrf));
    if (!sameOrigin || !ok) {
      throw new GatehouseError('DASHBOARD_FORM_REFUSED', { detail: `dashboard POST refused: ${sameOrigin ? 'CSRF token missing or wrong' : `cross-origin (Origin ${String(origin)}, Sec-Fetch-Site ${String(site)})`}` });
    }
  }

  async #csrfFor(nonce: string): Promise<string> {
    this.#key ??= this.ctx.store.settings.setSecretIfAbsent(CSRF_KEY, randomToken(32)).then((k) => Buffer.from(k));
    return createHmac('sha256', await this.#key).update(nonce).digest('base64url');
  }
}
