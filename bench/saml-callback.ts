import { randomBytes } from 'node:crypto';
import { decodePostMessage } from '../src/apps/saml/decode-saml-message.js';
import { pinnedCertificates } from '../src/connectors/saml/pinned-certificates.js';
import { SAML_RESPONSE_MAX_BYTES, validateSamlResponse } from '../src/connectors/saml/validate-saml-response.js';
import { mapSamlAssertion } from '../src/identity/map-saml-assertion.js';
import { generateSigningCertificate } from '../src/keys/generate-signing-certificate.js';
import { AWS_IDP_ISSUER, awsStyleSamlResponse, GATEHOUSE_ACS } from '../test/fixtures/aws-style-saml-response.js';
import { rate } from './raw-rsa.js';


/**
 * The ACS's validation of an IAM Identity Center-style response (Response and Assertion both signed, RSA-SHA256,
 * the seed's attributes), in-process: base64 decode, hardened parse, structure checks, two signature
 * verifications, the re-parse of the verified bytes, every protocol check and the identity mapping. The replay
 * cache write and the session are the HTTP path's and are measured by the SSO benchmark's kind of run, not here.
 */
export async function measureSamlCallback(durationMs = 3000): Promise<{ validationsPerSec: number; verifiesPerValidation: number }> {
  const now = new Date();
  const key = await generateSigningCertificate({ commonName: 'bench IdP', now });
  const requestId = `_${randomBytes(16).toString('hex')}`;
  const encoded = Buffer.from(awsStyleSamlResponse({ privateKeyPem: key.privateKeyPem, certificatePem: key.certificatePem, requestId, now })).toString('base64');
  const pinned = pinnedCertificates([key.certificatePem]);
  const validate = () => {
    const xml = decodePostMessage(encoded, SAML_RESPONSE_MAX_BYTES, 'SAML_TOO_LARGE');
    const verified = validateSamlResponse(xml, { idpIssuer: AWS_IDP_ISSUER, acsUrl: GATEHOUSE_ACS, spEntityId: GATEHOUSE_ACS, requestId, pinned, now, skewMs: 60_000 });
    return mapSamlAssertion(verified, { idpId: 'bench', emailAttributeName: 'email', attributes: ['email', 'name', 'surName', 'givenName'] });
  };
  if (validate().email !== 'alice@example.com') throw new Error('bench response does not validate');
  return { validationsPerSec: rate(durationMs, validate), verifiesPerValidation: 2 };
}

