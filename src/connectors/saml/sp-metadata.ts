import { CanonicalXmlWriter } from '../../apps/saml/canonical-xml-writer.js';
import { certificateBase64 } from '../../keys/certificate-info.js';
import { HTTP_POST_BINDING, NAMEID_FORMAT, NS } from './saml-names.js';

export interface SpMetadataInput {
  entityId: string;
  acsUrl: string;
  /** Gatehouse's SP signing certificate (PEM). */
  certificatePem: string;
  /** Whether this login method signs its AuthnRequests (sign_request). */
  authnRequestsSigned: boolean;
}

/**
 * SAML 2.0 SP metadata for an upstream IdP to import (IAM Identity Center: "upload application SAML metadata").
 * WantAssertionsSigned is true: the IdP should sign the assertion; Gatehouse also accepts a signed Response.
 */
export function buildSpMetadata(input: SpMetadataInput): string {
  const w = new CanonicalXmlWriter({ md: NS.md, ds: NS.ds });
  w.open('md:EntityDescriptor', { entityID: input.entityId });
  w.open('md:SPSSODescriptor', {
    AuthnRequestsSigned: String(input.authnRequestsSigned),
    WantAssertionsSigned: 'true',
    protocolSupportEnumeration: NS.samlp,
  });
  w.open('md:KeyDescriptor', { use: 'signing' });
  w.open('ds:KeyInfo').open('ds:X509Data').leaf('ds:X509Certificate', {}, certificateBase64(input.certificatePem)).close().close();
  w.close();
  w.leaf('md:NameIDFormat', {}, NAMEID_FORMAT.email);
  w.leaf('md:AssertionConsumerService', { Binding: HTTP_POST_BINDING, Location: input.acsUrl, index: '0', isDefault: 'true' });
  w.close().close();
  return w.toString();
}
