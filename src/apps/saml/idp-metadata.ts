import { GatehouseError } from '../../errors/gatehouse-error.js';
import { certificateBase64 } from '../../keys/certificate-info.js';
import { CanonicalXmlWriter } from './canonical-xml-writer.js';

export interface IdpMetadataInput {
  entityId: string;
  ssoUrl: string;
  /** Signing certificates to publish (PEM); several during a key rollover (IDP-META-03). */
  certificatePems: string[];
}

const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
} as const;
const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NAMEID_FORMATS = ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'];
const BINDINGS = ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'];
/** AWS IAM Identity Center refuses IdP metadata of 75 000 characters or more. */
export const IDP_METADATA_MAX_CHARS = 75_000;

/**
 * SAML 2.0 IdP metadata for one app (IDP-META-01): entity ID, signing certificates, NameID formats and the SSO
 * endpoint for both bindings. Deliberately no encryption KeyDescriptor (IAM Identity Center rejects metadata
 * that has one) and nothing but certificates: private keys never reach this function.
 */
export function buildIdpMetadata(input: IdpMetadataInput): string {
  if (input.certificatePems.length === 0) {
    throw new GatehouseError('INTERNAL', { detail: `no signing certificate to publish for ${input.entityId}`, hint: 'recreate the application signing key' });
  }
  const w = new CanonicalXmlWriter(NS);
  w.open('md:EntityDescriptor', { entityID: input.entityId });
  w.open('md:IDPSSODescriptor', { WantAuthnRequestsSigned: 'false', protocolSupportEnumeration: SAML2_PROTOCOL });
  for (const pem of input.certificatePems) {
    // certificateBase64 accepts exactly one certificate, so a private key PEM passed by mistake throws here.
    const der = certificateBase64(pem);
    w.open('md:KeyDescriptor', { use: 'signing' });
    w.open('ds:KeyInfo').open('ds:X509Data').leaf('ds:X509Certificate', {}, der).close().close();
    w.close();
  }
  for (const format of NAMEID_FORMATS) w.leaf('md:NameIDFormat', {}, format);
  for (const binding of BINDINGS) w.leaf('md:SingleSignOnService', { Binding: binding, Location: input.ssoUrl });
  w.close().close();
  const xml = w.toString();
  if (xml.length >= IDP_METADATA_MAX_CHARS) {
    throw new GatehouseError('INTERNAL', {
      detail: `IdP metadata is ${xml.length} characters; IAM Identity Center accepts fewer than ${IDP_METADATA_MAX_CHARS}`,
      hint: 'remove retired signing certificates from the application',
    });
  }
  return xml;
}
