import { GatehouseError } from '../errors/gatehouse-error.js';
import { EMAIL } from './email.js';
import type { Identity } from './identity.js';

export interface OidcMappingConfig {
  idpId: string;
  emailClaimName: string;
  claims: readonly string[];
}

/** Maps verified OIDC claims to the protocol-neutral Identity. Pure. */
export function mapOidcClaims(claims: Record<string, unknown>, config: OidcMappingConfig): Identity {
  const rawEmail = claims[config.emailClaimName];
  const email = typeof rawEmail === 'string' ? rawEmail.trim().toLowerCase() : '';
  if (!email) {
    throw new GatehouseError('IDENTITY_EMAIL_MISSING', {
      detail: `the ID token has no "${config.emailClaimName}" claim; claims present: ${Object.keys(claims).sort().join(', ')}`,
      hint: 'request the "email" scope, or set email_claim_name to the claim that holds the email',
    });
  }
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new GatehouseError('IDENTITY_EMAIL_MISSING', { detail: `claim "${config.emailClaimName}" is not an email address`, hint: 'set email_claim_name to a claim holding an email address' });
  }
  // An email the provider says it has not verified must not drive policy or become a NameID (OIDC-IDT-07).
  if (claims.email_verified === false || claims.email_verified === 'false') {
    throw new GatehouseError('IDENTITY_EMAIL_UNVERIFIED', { detail: `${email} has email_verified=false at the provider`, hint: 'verify the user email at the identity provider' });
  }
  const kept: Record<string, string[]> = {};
  for (const name of config.claims) {
    const values = claimValues(claims[name]);
    if (values.length > 0) kept[name] = values;
  }
  const groupsKey = Object.keys(claims).find((k) => k.toLowerCase() === 'groups') ?? ('cognito:groups' in claims ? 'cognito:groups' : undefined);
  const iat = typeof claims.iat === 'number' ? claims.iat : 0;
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : iat;
  return {
    subject: String(claims.sub),
    idpId: config.idpId,
    idpType: 'oidc',
    email,
    ...(typeof claims.name === 'string' && claims.name ? { name: claims.name } : {}),
    ...(typeof claims.given_name === 'string' ? { givenName: claims.given_name } : {}),
    ...(typeof claims.family_name === 'string' ? { familyName: claims.family_name } : {}),
    groups: groupsKey ? claimValues(claims[groupsKey]) : [],
    claims: kept,
    authn: { issuer: String(claims.iss), at: new Date(authTime * 1000), amr: claimValues(claims.amr) },
  };
}

/** Multi-valued claims are split into values; objects are kept as JSON text. */
export function claimValues(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => claimValues(v));
  if (typeof value === 'object') return [JSON.stringify(value)];
  return [String(value)];
}
