import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import type { AppDirectory, SsoTarget } from '../apps/app-directory.js';
import { decodePostMessage, decodeRedirectMessage } from '../apps/saml/decode-saml-message.js';
import { buildIdpMetadata } from '../apps/saml/idp-metadata.js';
import { parseAuthnRequest } from '../apps/saml/parse-authn-request.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { clientFacts, type TrustedProxies } from '../http/client-facts.js';
import type { Metrics } from '../observability/metrics.js';
import { html } from '../lib/html.js';
import { pageLayout } from '../web/page-layout.js';
import type { LoginFlow } from './login-flow.js';
import { htmlReply, type Reply } from './reply.js';
import { sendReply } from './send-reply.js';

const AUD = /^[0-9a-f]{64}$/;
/** Raw size cap of a SAMLRequest parameter, checked before any decoding (XML-12, XML-15). */
const MAX_SAML_PARAM = 64 * 1024;
const MAX_RELAY_STATE = 1024;

/** Gatehouse as SAML IdP: /cdn-cgi/access/sso/saml/<aud> (Redirect and POST bindings, IdP-initiated) and metadata. */
export function registerSsoRoutes(app: FastifyInstance, ctx: AppContext, flow: LoginFlow, apps: AppDirectory, proxies: TrustedProxies, metrics: Metrics): void {
  const findTarget = async (aud: string): Promise<SsoTarget> => {
    // Unknown and malformed ids get the same answer (IDP-REQ-04).
    const found = AUD.test(aud) ? await apps.byAud(aud) : undefined;
    if (!found) throw new GatehouseError('APP_NOT_FOUND', { detail: `no SaaS app with aud ${aud.slice(0, 80)}` });
    return found;
  };

  app.get<{ Params: { aud: string } }>('/cdn-cgi/access/sso/saml/:aud/saml-metadata', async (req, reply) => {
    const { app: found, signingKey: key, certificatePems } = await findTarget(req.params.aud);
    if (!key) throw new GatehouseError('INTERNAL', { detail: `app ${found.id} has no signing key` });
    // Every certificate of a rollover (active first, then pending and retired ones), so the SP trusts the new one before
    // the switch and the old one until it is removed; responses are signed with the active key only.
    const xml = buildIdpMetadata({ entityId: ctx.urls.ssoEndpoint(found.aud), ssoUrl: ctx.urls.ssoEndpoint(found.aud), certificatePems });
    return reply
      .header('content-type', 'application/samlmetadata+xml; charset=utf-8')
      .header('content-disposition', 'inline; filename="access_saml_metadata.xml"')
      .header('x-content-type-options', 'nosniff')
      .send(xml);
  });

  const handle = async (req: FastifyRequest<{ Params: { aud: string } }>, params: URLSearchParams, binding: 'redirect' | 'post'): Promise<Reply> => {
    const target = await findTarget(req.params.aud);
    const found = target.app;
    const samlRequest = params.get('SAMLRequest');
    const relayState = params.get('RelayState') ?? undefined;
    if (params.getAll('SAMLRequest').length > 1 || params.getAll('RelayState').length > 1) {
      throw new GatehouseError('APP_REQUEST_INVALID', { detail: 'SAMLRequest or RelayState given more than once' });
    }
    if (relayState !== undefined && relayState.length > MAX_RELAY_STATE) {
      throw new GatehouseError('APP_REQUEST_INVALID', { detail: `RelayState is ${relayState.length} characters; at most ${MAX_RELAY_STATE} are accepted` });
    }
    if (samlRequest === null) return idpInitiated(req, target, params);
    if (samlRequest.length > MAX_SAML_PARAM) throw new GatehouseError('APP_REQUEST_TOO_LARGE', { detail: `SAMLRequest is ${samlRequest.length} bytes` });
    const xml = binding === 'redirect' ? decodeRedirectMessage(samlRequest) : decodePostMessage(samlRequest, MAX_SAML_PARAM);
    const parsed = parseAuthnRequest(xml, {
      spEntityId: found.saasApp.spEntityId,
      registeredAcsUrl: found.saasApp.consumerServiceUrl,
      ssoEndpointUrl: ctx.urls.ssoEndpoint(found.aud),
      now: ctx.clock.now(),
      clockSkewMs: ctx.config.clockSkewMs,
    });
    return flow.sso({
      target,
      requestId: parsed.id,
      forceAuthn: parsed.forceAuthn,
      cookieHeader: req.headers.cookie,
      client: clientFacts(req.socket.remoteAddress, req.headers, proxies),
      ...(relayState !== undefined ? { relayState } : {}),
    });
  };

  /**
   * IdP-initiated SSO (App Launcher tiles, bookmarks). A navigation from another site could otherwise mint an
   * assertion silently (IDP-AUTHZ-03), so a cross-site arrival gets a page with a button the user must press.
   */
  const idpInitiated = async (req: FastifyRequest, target: SsoTarget, params: URLSearchParams): Promise<Reply> => {
    const found = target.app;
    if (req.headers['sec-fetch-site'] === 'cross-site' && params.get('confirm') === null) {
      const href = `${ctx.urls.ssoEndpoint(found.aud)}?confirm=1`;
      return htmlReply(
        pageLayout(
          `Open ${found.name}`,
          html`<h1>Open ${found.name}?</h1><p>Another site sent you here. Continue only if you meant to open ${found.name}.</p><p><a class="button" href="${href}">Continue to ${found.name}</a></p>`,
        ),
      );
    }
    return flow.sso({ target, forceAuthn: false, cookieHeader: req.headers.cookie, client: clientFacts(req.socket.remoteAddress, req.headers, proxies) });
  };

  /** Both bindings are timed the same way: a signed response, a redirect to sign in, or a refusal. */
  const timed = async (req: FastifyRequest<{ Params: { aud: string } }>, params: URLSearchParams, binding: 'redirect' | 'post'): Promise<Reply> => {
    const end = metrics.ssoSeconds.startTimer();
    try {
      const answer = await handle(req, params, binding);
      end({ outcome: answer.kind === 'html' ? 'response' : 'sign-in' });
      return answer;
    } catch (e) {
      end({ outcome: 'refused' });
      throw e;
    }
  };

  app.get<{ Params: { aud: string } }>('/cdn-cgi/access/sso/saml/:aud', async (req, reply) =>
    sendReply(reply, await timed(req, new URL(req.url, 'http://x').searchParams, 'redirect')),
  );

  app.post<{ Params: { aud: string } }>('/cdn-cgi/access/sso/saml/:aud', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | string[]>;
    return sendReply(reply, await timed(req, toParams(body), 'post'));
  });
}

export function toParams(body: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) params.append(k, one);
  return params;
}
