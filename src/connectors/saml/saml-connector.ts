import type { Logger } from 'pino';
import { decodePostMessage } from '../../apps/saml/decode-saml-message.js';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Identity } from '../../identity/identity.js';
import { mapSamlAssertion } from '../../identity/map-saml-assertion.js';
import type { Clock } from '../../lib/clock.js';
import type { Store } from '../../store/store.js';
import type { Connector, LoginFinishInput, LoginStart, LoginStartInput } from '../connector.js';
import type { SamlIdpRecord } from '../idp-record.js';
import { buildAuthnRequest } from './build-authn-request.js';
import { pinnedCertificates } from './pinned-certificates.js';
import type { SpSigningKey } from './sp-signing-key.js';
import { SAML_RESPONSE_MAX_BYTES, validateSamlResponse } from './validate-saml-response.js';

export interface SamlConnectorDeps {
  clock: Clock;
  store: Store;
  spKey: SpSigningKey;
  logger: Logger;
  /** Gatehouse's SP entity ID (the callback URL, as in Cloudflare's setup). */
  spEntityId: string;
  skewMs: number;
}

/** The replay cache namespace for upstream assertion IDs, keyed per login method (SP-PROTO-08). */
const REPLAY_KIND = 'saml_assertion';

/**
 * Generic SAML (AWS IAM Identity Center and others): Gatehouse is the SP. AuthnRequests go out by HTTP-Redirect
 * (signed when sign_request is on); responses come back by HTTP-POST to the callback and are validated by
 * validateSamlResponse against this login method's pinned certificates and this browser's request ID.
 */
export function createSamlConnector(record: SamlIdpRecord, deps: SamlConnectorDeps): Connector {
  const c = record.config;
  return {
    id: record.id,
    type: 'saml',

    async startLogin(input: LoginStartInput): Promise<LoginStart> {
      // Refuse to start a login that could never finish: no usable pinned certificate (SP-SIG-03).
      pinnedCertificates(c.idpPublicCerts);
      const built = buildAuthnRequest({
        ssoTargetUrl: c.ssoTargetUrl,
        acsUrl: input.callbackUrl,
        spEntityId: deps.spEntityId,
        relayState: input.transactionKey,
        now: deps.clock.now(),
        ...(input.forceAuthn ? { forceAuthn: true } : {}),
        ...(c.signRequest ? { signWith: await deps.spKey.get() } : {}),
      });
      return { redirectUrl: built.redirectUrl, state: { requestId: built.id } };
    },

    async finishLogin(input: LoginFinishInput): Promise<Identity> {
      const encoded = input.params.getAll('SAMLResponse');
      if (encoded.length !== 1) {
        throw new GatehouseError('SAML_BINDING', { detail: `the callback for a SAML login carried ${encoded.length} SAMLResponse parameters; exactly one (HTTP-POST) is required` });
      }
      // HTTP-POST binding: base64 only. The ACS never inflates (XML-15).
      const xml = decodePostMessage(encoded[0]!, SAML_RESPONSE_MAX_BYTES, 'SAML_TOO_LARGE');
      try {
        const verified = validateSamlResponse(xml, {
          idpIssuer: c.issuerUrl,
          acsUrl: input.callbackUrl,
          spEntityId: deps.spEntityId,
          requestId: input.state.requestId!,
          pinned: pinnedCertificates(c.idpPublicCerts),
          now: input.now,
          skewMs: deps.skewMs,
        });
        const identity = mapSamlAssertion(verified, {
          idpId: record.id,
          attributes: c.attributes,
          ...(c.emailAttributeName ? { emailAttributeName: c.emailAttributeName } : {}),
        });
        // Last, so only a fully valid assertion is recorded; shared through the store across instances.
        if (!(await deps.store.usedValues.markUsed(REPLAY_KIND, `${record.id}:${verified.assertionId}`, verified.replayUntil))) {
          throw new GatehouseError('SAML_REPLAY', { detail: `assertion ${verified.assertionId} from ${c.issuerUrl} was already used`, hint: 'a SAML assertion can be used once; the user should sign in again' });
        }
        deps.logger.info(
          { event: 'saml.verified', idp: record.id, assertion_id: verified.assertionId, signed: verified.signed, cert_sha256: verified.certificateFingerprint },
          'SAML response verified',
        );
        return identity;
      } catch (e) {
        if (e instanceof GatehouseError) e.upstream ??= xml;
        throw e;
      }
    },
  };
}
