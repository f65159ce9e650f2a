import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Identity } from '../../identity/identity.js';
import { mapOidcClaims } from '../../identity/map-oidc-claims.js';
import type { Clock } from '../../lib/clock.js';
import type { Connector, LoginFinishInput, LoginStart, LoginStartInput } from '../connector.js';
import type { OidcIdpRecord } from '../idp-record.js';
import { isLoopbackUrl, translateOidcError } from './translate-oidc-error.js';
import { pkceS256Challenge } from './pkce-challenge.js';
import { upstreamFetch } from './upstream-fetch.js';
import type { OidcMetadataResolver, ResolvedOidcMetadata } from './oidc-metadata-resolver.js';

/** Signature algorithms Cloudflare accepts from a generic OIDC provider; never none, never HS*. */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'RS512', 'PS512', 'ES256', 'ES384', 'ES512'];
const CLOCK_TOLERANCE_S = 60;
const HTTP_TIMEOUT_MS = 10_000;
/** Token and UserInfo answers are a few KiB; anything near this is not an answer worth reading. */
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Generic OIDC (Amazon Cognito and others): authorization code flow with state, nonce and PKCE S256.
 * openid-client runs the protocol (state, code exchange, client auth, iss parameter, nonce and claim checks);
 * jose then verifies the ID token signature against the configured certs_url with an algorithm allow-list, and the
 * identity is read from that verified payload only. openid-client alone would trust the token for arriving over TLS.
 */
export function createOidcConnector(record: OidcIdpRecord, deps: { clock: Clock; metadata: OidcMetadataResolver }): Connector {
  const c = record.config;
  const jwks = createRemoteJWKSet(new URL(c.certsUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  let configuration: { meta: ResolvedOidcMetadata; config: client.Configuration } | undefined;

  const configure = async () => {
    const meta = await deps.metadata.resolve(c, deps.clock.now());
    if (configuration?.meta === meta) return configuration;
    const config = new client.Configuration(
      {
        issuer: meta.issuer,
        authorization_endpoint: meta.authorizationEndpoint,
        token_endpoint: meta.tokenEndpoint,
        jwks_uri: meta.jwksUri,
        id_token_signing_alg_values_supported: ID_TOKEN_ALGORITHMS,
        ...(meta.userinfoEndpoint ? { userinfo_endpoint: meta.userinfoEndpoint } : {}),
      },
      c.clientId,
      { [client.clockTolerance]: CLOCK_TOLERANCE_S },
      client.ClientSecretBasic(c.clientSecret),
    );
    // Upstream calls time out and never follow redirects (OIDC-NET-02/04); upstreamFetch owns the deadline.
    config.timeout = 0;
    config[client.customFetch] = (url, options) => upstreamFetch(url, options as RequestInit, { timeoutMs: HTTP_TIMEOUT_MS, maxBytes: MAX_RESPONSE_BYTES });
    // Plain http only for an IdP on this machine (development, tests); anything else must be https.
    if ([meta.authorizationEndpoint, meta.tokenEndpoint, meta.jwksUri, meta.issuer].every(isLoopbackUrl)) client.allowInsecureRequests(config);
    configuration = { meta, config };
    return configuration;
  };

  return {
    id: record.id,
    type: 'oidc',

    async startLogin(input: LoginStartInput): Promise<LoginStart> {
      const { config, meta } = await configure().catch(translateOidcError);
      const nonce = client.randomNonce();
      const params: Record<string, string> = {
        redirect_uri: input.callbackUrl,
        scope: c.scopes.join(' '),
        response_type: 'code',
        state: input.transactionKey,
        nonce,
      };
      let codeVerifier: string | undefined;
      if (c.pkceEnabled) {
        codeVerifier = client.randomPKCECodeVerifier();
        params.code_challenge = pkceS256Challenge(codeVerifier);
        params.code_challenge_method = 'S256';
      }
      if (input.forceAuthn) params.prompt = 'login';
      if (input.loginHint) params.login_hint = input.loginHint;
      // The issuer and token endpoint are bound to this login, so a code can only be redeemed where it was asked for.
      return { redirectUrl: client.buildAuthorizationUrl(config, params), state: { nonce, codeVerifier, issuer: meta.issuer, tokenEndpoint: meta.tokenEndpoint } };
    },

    async finishLogin(input: LoginFinishInput): Promise<Identity> {
      try {
        const { config, meta } = await configure();
        if (input.state.issuer !== meta.issuer || input.state.tokenEndpoint !== meta.tokenEndpoint) {
          throw new GatehouseError('CONNECTOR_STATE_INVALID', { detail: 'the login method was reconfigured during this sign-in', hint: 'the user should sign in again' });
        }
        const currentUrl = new URL(`${input.callbackUrl}?${input.params.toString()}`);
        const tokens = await client.authorizationCodeGrant(config, currentUrl, {
          expectedState: input.transactionKey,
          expectedNonce: input.state.nonce!,
          idTokenExpected: true,
          ...(input.state.codeVerifier ? { pkceCodeVerifier: input.state.codeVerifier } : {}),
        });
        const { payload } = await jwtVerify(tokens.id_token!, jwks, {
          algorithms: ID_TOKEN_ALGORITHMS,
          issuer: meta.issuer,
          audience: c.clientId,
          currentDate: input.now,
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['sub', 'iat', 'exp'],
        });
        if (payload.nonce !== input.state.nonce) throw new GatehouseError('CONNECTOR_TOKEN_INVALID', { detail: 'ID token nonce does not match this login' });
        // Cognito access tokens carry token_use=access: only an ID token may become an identity (OIDC-IDT-03).
        if (payload.token_use !== undefined && payload.token_use !== 'id') throw new GatehouseError('CONNECTOR_TOKEN_INVALID', { detail: `token_use is ${String(payload.token_use)}, expected id` });
        let claims: Record<string, unknown> = { ...payload };
        const missing = [c.emailClaimName, ...c.claims].some((name) => claims[name] === undefined);
        if (missing && meta.userinfoEndpoint && tokens.access_token) {
          const userinfo = await client.fetchUserInfo(config, tokens.access_token, payload.sub!);
          // The verified ID token wins; UserInfo (sub checked by openid-client) only fills gaps.
          claims = { ...userinfo, ...claims };
        }
        return mapOidcClaims(claims, { idpId: record.id, emailClaimName: c.emailClaimName, claims: c.claims });
      } catch (e) {
        return translateOidcError(e);
      }
    },
  };
}

