import type { ClientFacts } from '../http/client-facts.js';
import type { Identity } from '../identity/identity.js';
import type { EvaluationContext } from '../policy/policy-types.js';

/** The policy engine's view of a sign-in: the upstream identity plus the connection facts. */
export function evaluationContext(identity: Identity, client: ClientFacts): EvaluationContext {
  return {
    email: identity.email,
    idpId: identity.idpId,
    idpType: identity.idpType,
    groups: identity.groups,
    claims: identity.claims,
    amr: identity.authn.amr,
    ip: client.ip,
    ...(client.country ? { country: client.country } : {}),
    ...(client.certificate ? { certificate: client.certificate } : {}),
  };
}
