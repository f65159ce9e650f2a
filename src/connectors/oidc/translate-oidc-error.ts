import { errors as joseErrors } from 'jose';
import * as client from 'openid-client';
import { GatehouseError } from '../../errors/gatehouse-error.js';

export function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** openid-client, oauth4webapi, jose and fetch errors become GatehouseErrors here, once. */
export function translateOidcError(e: unknown): never {
  if (e instanceof GatehouseError) throw e;
  if (e instanceof client.AuthorizationResponseError) {
    throw new GatehouseError('CONNECTOR_UPSTREAM_ERROR', {
      detail: `the identity provider answered error=${e.error}${e.error_description ? ` (${e.error_description.slice(0, 300)})` : ''}`,
      hint: e.error === 'access_denied' ? 'the user declined or is not assigned to the app client' : 'check the app client settings at the identity provider',
      cause: e,
    });
  }
  if (e instanceof client.ResponseBodyError) {
    throw new GatehouseError('CONNECTOR_UPSTREAM_ERROR', {
      detail: `the token endpoint answered HTTP ${e.status} error=${e.error}${e.error_description ? ` (${e.error_description.slice(0, 300)})` : ''}`,
      hint: e.error === 'invalid_client' ? 'check client_id and client_secret' : e.error === 'invalid_grant' ? 'the code was already used, expired, or the PKCE verifier did not match' : 'check the app client settings',
      cause: e,
    });
  }
  if (e instanceof client.WWWAuthenticateChallengeError) {
    const challenge = e.cause.map((c) => `${c.scheme} ${JSON.stringify(c.parameters)}`).join(', ');
    throw new GatehouseError('CONNECTOR_UPSTREAM_ERROR', {
      detail: `the token endpoint refused the client (HTTP ${e.status}): ${challenge.slice(0, 300)}`,
      hint: 'check client_id and client_secret',
      cause: e,
    });
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JWKSMultipleMatchingKeys) {
    throw new GatehouseError('CONNECTOR_SIGNATURE_INVALID', {
      detail: `ID token signature not verified with the keys at certs_url: ${e.message}`,
      hint: 'certs_url must be the provider key set (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json)',
      cause: e,
    });
  }
  if (e instanceof joseErrors.JWTClaimValidationFailed || e instanceof joseErrors.JWTExpired || e instanceof joseErrors.JOSEError) {
    throw new GatehouseError('CONNECTOR_TOKEN_INVALID', { detail: `ID token rejected: ${e.message}`, hint: 'check the provider clock and the client id', cause: e });
  }
  const err = e as { name?: string; code?: string; message?: string; cause?: unknown };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || (err?.name === 'TypeError' && /fetch failed/.test(err.message ?? '')) || err?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && /redirect/i.test(err.message ?? '')) {
    throw new GatehouseError('CONNECTOR_UNREACHABLE', { detail: `identity provider request failed: ${err.message}`, hint: 'check auth_url/token_url/certs_url and network reachability', cause: e });
  }
  if (typeof err?.code === 'string' && err.code.startsWith('OAUTH_')) {
    // openid-client wraps oauth4webapi's precise error ("unexpected state ...", "unexpected JWT aud ...") as cause.
    const inner = err.cause as { message?: string; code?: string } | undefined;
    const message = inner?.message ? `${err.message}: ${inner.message}` : (err.message ?? '');
    const stateProblem = /"state"/.test(message);
    throw new GatehouseError(stateProblem ? 'CONNECTOR_STATE_INVALID' : 'CONNECTOR_TOKEN_INVALID', {
      detail: `${inner?.code ?? err.code}: ${message}`,
      hint: stateProblem ? 'the sign-in must start at Gatehouse' : 'the identity provider answer failed validation; compare the ID token claims with the configuration',
      cause: e,
    });
  }
  throw new GatehouseError('CONNECTOR_UNREACHABLE', { detail: `unexpected error talking to the identity provider: ${err?.message ?? String(e)}`, cause: e });
}
