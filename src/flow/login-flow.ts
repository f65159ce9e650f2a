import type { AppContext } from '../app-context.js';
import type { AppDirectory, SsoTarget } from '../apps/app-directory.js';
import type { AppRecord } from '../apps/app-record.js';
import type { SamlResponder } from '../apps/saml/saml-responder.js';
import type { ConnectorRegistry } from '../connectors/connector-registry.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { Identity } from '../identity/identity.js';
import { randomToken } from '../lib/random.js';
import type { ClientFacts } from '../http/client-facts.js';
import { parseDuration } from '../lib/duration.js';
import type { AccessLogEntry } from '../logs/access-log.js';
import { type SignInEntryInput, signInEntry } from '../logs/sign-in-entry.js';
import type { AccessLogWriter } from '../logs/access-log-writer.js';
import type { Metrics } from '../observability/metrics.js';
import { evaluateAccess } from '../policy/evaluate-access.js';
import type { AccessResult } from '../policy/policy-types.js';
import { evaluationContext } from './evaluation-context.js';
import { idpTestResult } from './idp-test-result.js';
import type { SessionService } from '../session/session-service.js';
import type { TakeResult } from '../store/repos/transaction-repo.js';
import { loginPage } from '../web/login-page.js';
import { type BrowserBinding, ensureBinding, existingBinding } from './browser-binding.js';
import { htmlReply, redirect, type Reply } from './reply.js';
import { type ReturnTarget, IDP_TEST_TX, type IdpTestTicket, SSO_TX, type SsoTransaction, TRANSACTION_TTL_MS, UPSTREAM_TX, type UpstreamTransaction } from './transactions.js';

export interface CallbackRequest {
  method: string;
  contentType: string | undefined;
  /** The query string for GET, the form body for POST. */
  params: URLSearchParams;
  cookieHeader: string | undefined;
  client: ClientFacts;
}

export interface SsoRequest {
  target: SsoTarget;
  requestId?: string;
  relayState?: string;
  forceAuthn: boolean;
  cookieHeader: string | undefined;
  client: ClientFacts;
}

/**
 * The login transaction state machine: SSO request → login page → upstream login → callback → policy → signed
 * response. Every step reloads its transaction from the store and uses it once, so any instance can serve any step.
 */
export class LoginFlow {
  constructor(
    private readonly ctx: AppContext,
    private readonly sessions: SessionService,
    private readonly connectors: ConnectorRegistry,
    private readonly responder: SamlResponder,
    private readonly apps: AppDirectory,
    private readonly accessLog: AccessLogWriter,
    private readonly metrics: Metrics,
  ) {}

  /** An SSO request for an app, already parsed and checked against the app's registration. */
  async sso(req: SsoRequest): Promise<Reply> {
    if (!req.forceAuthn) {
      const session = await this.sessions.read(req.cookieHeader);
      if (session && idpAllowed(req.target.app, session.record.identity.idpId)) {
        const { identity, userId, iat } = session.record;
        // Policies run on every SSO, live session or not; a session older than the policy's (or the app's)
        // session_duration sends the user to sign in again instead.
        const access = await this.#authorize(req.target, identity, req.client);
        const maxAgeMs = parseDuration(access.sessionDuration ?? req.target.app.sessionDuration);
        if (maxAgeMs === undefined || this.ctx.clock.now().getTime() - iat * 1000 <= maxAgeMs) {
          return this.#respond(req.target, identity, access, { userId, nonce: session.nonce, expiresAt: session.expiresAt }, req);
        }
      }
    }
    const binding = ensureBinding(req.cookieHeader, this.ctx.urls.secure);
    const payload: SsoTransaction = {
      appId: req.target.app.id,
      binding: binding.hash,
      ...(req.requestId ? { requestId: req.requestId } : {}),
      ...(req.relayState !== undefined ? { relayState: req.relayState } : {}),
    };
    // The app sends its users straight to its one login method: start that login here instead of answering with a
    // redirect to the login page, which would only redirect again. The SSO request travels inside the upstream
    // transaction and is used up with it (two requests and three store round trips fewer per sign-in; the same
    // checks: the browser binding set now is the one the callback requires).
    const only = await this.#autoRedirectIdp(req.target.app);
    if (only) return this.#beginUpstream(only, binding, { sso: payload });
    const now = this.ctx.clock.now();
    const id = randomToken(32);
    await this.ctx.store.transactions.put({ id, kind: SSO_TX, payload, createdAt: now, expiresAt: new Date(now.getTime() + TRANSACTION_TTL_MS) });
    return redirect(`${this.ctx.urls.loginPage}?tx=${id}`, [binding.setCookie]);
  }

  /** The login method to go to without showing the login page: the app's only one, when the app asks for that. */
  async #autoRedirectIdp(app: AppRecord): Promise<IdpRecord | undefined> {
    if (!app.autoRedirectToIdentity) return undefined;
    const idps = (await this.apps.idps()).filter((idp) => idpAllowed(app, idp.id));
    return idps.length === 1 ? idps[0] : undefined;
  }

  /** The login page: the login methods this sign-in may use; straight to the upstream when the app says so. */
  async loginPage(txId: string | undefined, cookieHeader: string | undefined, next?: ReturnTarget): Promise<Reply> {
    let app: AppRecord | undefined;
    if (txId) app = (await this.#pendingSso(txId, cookieHeader)).app;
    const idps = (await this.apps.idps()).filter((idp) => !app || idpAllowed(app, idp.id));
    const startUrl = (idp: IdpRecord) => `${this.ctx.urls.loginPage}/${idp.id}${txId ? `?tx=${encodeURIComponent(txId)}` : next ? `?next=${next}` : ''}`;
    if (app?.autoRedirectToIdentity && idps.length === 1) return redirect(startUrl(idps[0]!));
    const org = await this.apps.organization();
    return htmlReply(loginPage({ ...(app ? { appName: app.name } : {}), choices: idps.map((idp) => ({ name: idp.name, href: startUrl(idp) })), design: org.loginDesign, teamName: org.name }));
  }

  /**
   * An admin's Test of one login method (Cloudflare's Test button): the single-use ticket minted through the admin
   * API is exchanged for an upstream login whose callback shows the result instead of signing anyone in.
   */
  async startTest(idpId: string, ticket: string | undefined, cookieHeader: string | undefined): Promise<Reply> {
    const taken = ticket ? await this.ctx.store.transactions.take<IdpTestTicket>(ticket, IDP_TEST_TX, this.ctx.clock.now()) : { status: 'missing' as const };
    if (taken.status !== 'ok' || taken.tx.payload.idpId !== idpId) {
      throw new GatehouseError('FLOW_NOT_FOUND', { detail: `test link for login method ${idpId} is unknown, used, expired or for another login method`, hint: 'start the test again from the API or dashboard' });
    }
    return this.startUpstream(idpId, undefined, cookieHeader, true);
  }

  /** Starts the upstream login at one login method. */
  async startUpstream(idpId: string, txId: string | undefined, cookieHeader: string | undefined, test = false, next?: ReturnTarget): Promise<Reply> {
    const idp = await this.apps.idp(idpId);
    if (!idp) throw new GatehouseError('CONNECTOR_NOT_FOUND', { detail: `login method ${idpId} does not exist` });
    if (txId) {
      const { app } = await this.#pendingSso(txId, cookieHeader);
      if (!idpAllowed(app, idp.id)) {
        throw new GatehouseError('CONNECTOR_NOT_ALLOWED', {
          detail: `login method ${idp.id} (${idp.name}) is not in allowed_idps of app ${app.id} (${app.name})`,
          hint: 'add the login method to the application, or remove the link that offered it',
        });
      }
    }
    const binding = ensureBinding(cookieHeader, this.ctx.urls.secure);
    return this.#beginUpstream(idp, binding, { ...(txId ? { ssoTxId: txId } : {}), ...(test ? { test } : {}), ...(next && !txId ? { next } : {}) });
  }

  /** Stores the upstream login (single-use; its key is the OIDC state / SAML RelayState) and sends the browser there. */
  async #beginUpstream(idp: IdpRecord, binding: BrowserBinding, links: Pick<UpstreamTransaction, 'ssoTxId' | 'sso' | 'test' | 'next'>): Promise<Reply> {
    const now = this.ctx.clock.now();
    const transactionKey = randomToken(32);
    const start = await this.connectors.forIdp(idp).startLogin({ transactionKey, callbackUrl: this.ctx.urls.callback });
    const payload: UpstreamTransaction = { idpId: idp.id, connectorState: start.state, binding: binding.hash, ...links };
    await this.ctx.store.transactions.put({ id: transactionKey, kind: UPSTREAM_TX, payload, createdAt: now, expiresAt: new Date(now.getTime() + TRANSACTION_TTL_MS) });
    return redirect(start.redirectUrl.toString(), [binding.setCookie]);
  }

  /**
   * /cdn-cgi/access/callback: the upstream's answer (OIDC by GET with `state`, SAML by POST with `RelayState`).
   * The transaction is consumed before anything else is checked, so no answer can be retried (catalogue REJ).
   */
  async callback(req: CallbackRequest): Promise<Reply> {
    const known: { idp?: IdpRecord; email?: string } = {};
    try {
      return await this.#callback(req, known);
    } catch (e) {
      if (e instanceof GatehouseError && e.rayId === undefined) await this.#recordFailure(e, req.client, known);
      throw e;
    }
  }

  async #callback(req: CallbackRequest, known: { idp?: IdpRecord; email?: string }): Promise<Reply> {
    const { params } = req;
    const saml = params.has('SAMLResponse');
    const keys = params.getAll(saml ? 'RelayState' : 'state');
    if (saml && keys.length === 0) {
      // Unsolicited (IdP-initiated) SAML is refused: it would let anyone post their own assertion into a
      // victim's browser (SP-PROTO-06). Users start at the app or at the App Launcher instead.
      throw new GatehouseError('SAML_UNSOLICITED', { detail: 'a SAMLResponse arrived without RelayState: an IdP-initiated sign-in, which Gatehouse does not accept', hint: 'start the sign-in at the application or the App Launcher, not at the IdP portal' });
    }
    if (keys.length > 1) {
      // Every login the request names is used up, so an ambiguous answer cannot be sent again in a cleaner form.
      const now = this.ctx.clock.now();
      for (const k of keys.slice(0, 4)) await this.ctx.store.transactions.take(k, UPSTREAM_TX, now);
    }
    if (keys.length !== 1) {
      throw new GatehouseError(saml ? 'SAML_BINDING' : 'CONNECTOR_STATE_INVALID', { detail: `callback with ${keys.length} ${saml ? 'RelayState' : 'state'} parameters; exactly one is required`, hint: 'the sign-in must start at Gatehouse' });
    }
    const key = keys[0]!;
    const now = this.ctx.clock.now();
    const upstream = expectTaken(await this.ctx.store.transactions.take<UpstreamTransaction>(key, UPSTREAM_TX, now), 'CONNECTOR_STATE_INVALID', 'upstream login');
    if (saml && (req.method !== 'POST' || !req.contentType?.startsWith('application/x-www-form-urlencoded'))) {
      throw new GatehouseError('SAML_BINDING', { detail: `a SAMLResponse arrived by ${req.method}${req.contentType ? ` as ${req.contentType.slice(0, 60)}` : ''}; only HTTP-POST with a form body is accepted` });
    }
    if (existingBinding(req.cookieHeader) !== upstream.binding) {
      throw new GatehouseError('FLOW_BROWSER_MISMATCH', { detail: 'the callback came without the browser-binding cookie of the browser that started the login' });
    }
    const idp = await this.apps.idp(upstream.idpId);
    if (!idp) throw new GatehouseError('CONNECTOR_NOT_FOUND', { detail: `login method ${upstream.idpId} was deleted during the sign-in` });
    known.idp = idp;
    const finish = this.connectors.forIdp(idp).finishLogin({
      callbackUrl: this.ctx.urls.callback,
      params,
      transactionKey: key,
      state: upstream.connectorState,
      now,
    });
    if (upstream.test) return idpTestResult(this.ctx, idp, finish, params);
    const timer = this.metrics.upstreamSeconds.startTimer({ type: idp.type });
    const identity = await finish.then(
      (i) => (timer({ outcome: 'ok' }), i),
      (e: unknown) => {
        timer({ outcome: 'refused' });
        throw e;
      },
    );
    known.email = identity.email;
    if (!upstream.ssoTxId && !upstream.sso) {
      // A sign-in to Gatehouse itself (App Launcher): no app, so no app policy; recorded with the session.
      const entry = this.#logEntry({ action: 'login', allowed: true, client: req.client, identity, reasons: [] });
      const session = await this.sessions.establish(identity, req.client.ip, async () => undefined, [entry]);
      this.#logSuccess(identity, undefined, req.client.ip);
      // Where to go is one of a fixed set of Gatehouse's own pages, never a URL from the request (no open redirect).
      return redirect(`${this.ctx.urls.base}${upstream.next === 'dashboard' ? '/dashboard' : '/'}`, [session.setCookie]);
    }
    const sso = upstream.sso ?? expectTaken(await this.ctx.store.transactions.take<SsoTransaction>(upstream.ssoTxId!, SSO_TX, now), 'FLOW_NOT_FOUND', 'SSO request');
    const target = await this.apps.byId(sso.appId);
    if (!target) throw new GatehouseError('APP_NOT_FOUND', { detail: `app ${sso.appId} was deleted during the sign-in` });
    if (!idpAllowed(target.app, idp.id)) throw new GatehouseError('CONNECTOR_NOT_ALLOWED', { detail: `login method ${idp.id} is not allowed for app ${target.app.id}` });
    const access = await this.#authorize(target, identity, req.client);
    return this.#respond(target, identity, access, undefined, { ...sso, client: req.client });
  }

  /**
   * The app's policies for this identity and connection. A denial is recorded in the authentication log, and the
   * refusal carries that entry's reference id: the user's page and the admin's log line show the same one.
   */
  async #authorize(target: SsoTarget, identity: Identity, client: ClientFacts): Promise<AccessResult> {
    const { app } = target;
    const access = evaluateAccess(target.policies, evaluationContext(identity, client), target.lookups);
    if (access.allowed) return access;
    const entry = this.#logEntry({ action: 'login', allowed: false, client, identity, app, access, errorCode: 'ACCESS_DENIED' });
    await this.ctx.store.accessLogs.insert(entry);
    const error = new GatehouseError('ACCESS_DENIED', {
      detail: `${identity.email} denied for app ${app.id} (${app.name}): ${access.policyId ? `policy ${access.policyId} (${access.policyName}) decided ${access.decision}` : 'no policy matched'}; reasons ${access.reasons.join(', ')}`,
      hint: 'adjust the application policies if this user should have access',
    });
    error.rayId = entry.rayId;
    throw error;
  }

  /**
   * An allowed sign-on: for a new login the session and the log entry are written together, once the signed response
   * exists (SessionService.establish); with a live session, the log entry is written before the response is sent.
   */
  async #respond(
    target: SsoTarget,
    identity: Identity,
    access: AccessResult,
    live: { userId: string; nonce: string; expiresAt: Date } | undefined,
    req: { requestId?: string; relayState?: string; client: ClientFacts },
  ): Promise<Reply> {
    const { app } = target;
    const now = this.ctx.clock.now();
    const mint = this.responder.prepare(target);
    const respond = async (s: { userId: string; nonce: string; expiresAt: Date }) =>
      mint({
        identity,
        userId: s.userId,
        sessionIndex: s.nonce,
        sessionNotOnOrAfter: s.expiresAt,
        now,
        ...(req.requestId ? { requestId: req.requestId } : {}),
        ...(req.relayState !== undefined ? { relayState: req.relayState } : {}),
      });
    const entry = this.#logEntry({ action: live ? 'sso' : 'login', allowed: true, client: req.client, identity, app, access });
    const setCookies: string[] = [];
    let reply;
    if (live) {
      await this.accessLog.record(entry);
      reply = await respond(live);
    } else {
      const created = await this.sessions.establish(identity, req.client.ip, respond, [entry]);
      reply = created.result;
      setCookies.push(created.setCookie);
    }
    this.#logSuccess(identity, app, req.client.ip, access.policyId, entry.rayId);
    return htmlReply(reply.html, { setCookies, formAction: new URL(reply.acsUrl).origin });
  }

  /** A refused or failed callback, in the authentication log with what was known when it failed. */
  async #recordFailure(e: GatehouseError, client: ClientFacts, known: { idp?: IdpRecord; email?: string }): Promise<void> {
    const entry = this.#logEntry({ action: 'login', allowed: false, client, reasons: [e.code], errorCode: e.code, ...(known.idp ? { idp: known.idp } : {}), ...(known.email ? { email: known.email } : {}) });
    try {
      await this.ctx.store.accessLogs.insert(entry);
      e.rayId = entry.rayId;
    } catch (logError) {
      // The refusal stands either way; the process log still has it under a fresh reference id.
      this.ctx.logger.error({ event: 'access_log.write_failed', err: logError }, 'could not record a refused sign-in in the authentication log');
    }
  }

  /** The log entry of an attempt, counted in the metrics with the same outcome (one entry = one attempt). */
  #logEntry(input: SignInEntryInput): AccessLogEntry {
    const app = input.app?.name ?? '';
    this.metrics.signIns.inc({ result: input.allowed ? 'allowed' : input.errorCode === 'ACCESS_DENIED' ? 'denied' : 'failed', app });
    if (input.errorCode === 'ACCESS_DENIED') this.metrics.policyDenials.inc({ app });
    return signInEntry(this.ctx, input);
  }

  async #pendingSso(txId: string, cookieHeader: string | undefined): Promise<{ tx: SsoTransaction; app: AppRecord }> {
    const found = await this.ctx.store.transactions.peek<SsoTransaction>(txId, SSO_TX);
    if (!found) throw new GatehouseError('FLOW_NOT_FOUND', { detail: `no pending SSO request ${txId.slice(0, 8)}…` });
    if (found.expiresAt <= this.ctx.clock.now()) throw new GatehouseError('FLOW_EXPIRED', { detail: 'the SSO request is older than 10 minutes' });
    if (existingBinding(cookieHeader) !== found.payload.binding) {
      throw new GatehouseError('FLOW_BROWSER_MISMATCH', { detail: 'the login page was opened without the cookie of the browser that started the SSO request' });
    }
    const target = await this.apps.byId(found.payload.appId);
    if (!target) throw new GatehouseError('APP_NOT_FOUND', { detail: `app ${found.payload.appId} was deleted` });
    return { tx: found.payload, app: target.app };
  }

  #logSuccess(identity: Identity, app: AppRecord | undefined, ip: string, policyId?: string, rayId?: string): void {
    this.ctx.logger.info(
      { event: 'auth.success', email: identity.email, idp: identity.idpId, subject: identity.subject, app: app?.id, policy: policyId, ip, ray_id: rayId },
      'sign-in allowed',
    );
  }
}

function idpAllowed(app: AppRecord, idpId: string): boolean {
  return app.allowedIdps.length === 0 || app.allowedIdps.includes(idpId);
}

function expectTaken<P>(result: TakeResult<P>, missingCode: 'CONNECTOR_STATE_INVALID' | 'FLOW_NOT_FOUND', what: string): P {
  if (result.status === 'missing') {
    throw new GatehouseError(missingCode, {
      detail: `no pending ${what} for this key: it was already used (replay), never issued (forged), or is from another deployment`,
      hint: 'the user should start the sign-in again from the application',
    });
  }
  if (result.status === 'expired') {
    throw new GatehouseError('FLOW_EXPIRED', { detail: `the ${what} expired at ${result.tx.expiresAt.toISOString()}`, hint: 'sign-ins must finish within 10 minutes' });
  }
  return result.tx.payload;
}
