import type { AppContext } from '../app-context.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { Identity } from '../identity/identity.js';
import { newRayId } from '../lib/random.js';
import { testFailurePage, testSuccessPage } from '../web/test-result-page.js';
import { htmlReply, type Reply } from './reply.js';

/** The Test page: the identity, or the precise failure with its hint and the decoded upstream message. */
export async function idpTestResult(ctx: AppContext, idp: IdpRecord, finish: Promise<Identity>, params: URLSearchParams): Promise<Reply> {
  try {
    const identity = await finish;
    ctx.logger.info({ event: 'idp.test', idp: idp.id, result: 'success', email: identity.email }, 'login method test succeeded');
    return htmlReply(testSuccessPage({ idpName: idp.name, identity: testIdentityView(identity) }));
  } catch (e) {
    if (!(e instanceof GatehouseError)) throw e;
    const rayId = newRayId();
    ctx.logger.warn({ event: 'auth.failure', test: true, idp: idp.id, code: e.code, ray_id: rayId, detail: e.detail, hint: e.hint }, e.publicMessage);
    const upstream = e.upstream ?? redactedParams(params);
    return htmlReply(
      testFailurePage({ idpName: idp.name, code: e.code, detail: e.detail ?? e.publicMessage, rayId, ...(e.hint ? { hint: e.hint } : {}), ...(upstream ? { upstream } : {}) }),
      { status: e.status },
    );
  }
}

/** What the Test page shows of an identity: the fields get-identity would carry. */
function testIdentityView(identity: Identity): Record<string, unknown> {
  return {
    email: identity.email,
    name: identity.name,
    groups: identity.groups,
    idp: { id: identity.idpId, type: identity.idpType },
    subject: identity.subject,
    issuer: identity.authn.issuer,
    authenticated_at: identity.authn.at.toISOString(),
    amr: identity.authn.amr,
    [identity.idpType === 'saml' ? 'saml_attributes' : 'oidc_fields']: identity.claims,
  };
}

/** The callback parameters for the admin's eyes, with the one-time secrets an OIDC callback carries redacted. */
function redactedParams(params: URLSearchParams): string {
  const lines: string[] = [];
  for (const [k, v] of params) lines.push(`${k}=${k === 'code' || k === 'id_token' || k === 'access_token' ? '[redacted]' : v.slice(0, 500)}`);
  return lines.join('\n');
}
