import type { SessionRecord } from './session-service.js';

/** Cloudflare's get-identity JSON for a session (see spec §5.2). Only the caller's own identity, no upstream tokens. */
export function getIdentityBody(record: SessionRecord, accountId: string, nonce: string): Record<string, unknown> {
  const { identity } = record;
  const fields = Object.fromEntries(Object.entries(identity.claims).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  return {
    id: nonce,
    name: identity.name ?? '',
    email: identity.email,
    amr: identity.authn.amr,
    ...(identity.idpType === 'oidc' ? { oidc_fields: fields } : { saml_attributes: fields }),
    groups: identity.groups.map((g) => ({ id: g, name: g })),
    idp: { id: identity.idpId, type: identity.idpType },
    geo: { country: '' },
    user_uuid: record.userId,
    account_id: accountId,
    iat: record.iat,
    ip: record.ip,
    auth_status: 'NONE',
    common_name: '',
    service_token_id: '',
    service_token_status: false,
    is_warp: false,
    is_gateway: false,
    gateway_account_id: '',
    device_id: '',
    device_sessions: {},
    devicePosture: {},
    version: 2,
  };
}
