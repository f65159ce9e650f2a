import { beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@xmldom/xmldom';
import { certificateBase64, generateSigningCertificate, type GeneratedSigningCertificate } from '../../keys/generate-signing-certificate.js';
import { childElements, elementText, parseUntrustedXml, singleChild } from '../../xml/parse-untrusted-xml.js';
import { buildIdpMetadata, IDP_METADATA_MAX_CHARS } from './idp-metadata.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const SSO = 'https://gatehouse.example.test/cdn-cgi/access/sso/saml/0123456789abcdef';

let current: GeneratedSigningCertificate;
let next: GeneratedSigningCertificate;
beforeAll(async () => {
  const now = new Date('2030-01-01T00:00:00Z');
  [current, next] = await Promise.all([generateSigningCertificate({ commonName: 'current', now }), generateSigningCertificate({ commonName: 'next', now })]);
});

function descriptor(xml: string): { root: Element; idp: Element } {
  const root = parseUntrustedXml(xml).documentElement!;
  return { root, idp: singleChild(root, MD, 'IDPSSODescriptor') };
}

describe('buildIdpMetadata (IDP-META-01)', () => {
  it('publishes entity ID, signing certificate, NameID formats and both SSO bindings', () => {
    const xml = buildIdpMetadata({ entityId: SSO, ssoUrl: SSO, certificatePems: [current.certificatePem] });
    const { root, idp } = descriptor(xml);
    expect([root.namespaceURI, root.localName, root.getAttribute('entityID')]).toEqual([MD, 'EntityDescriptor', SSO]);
    expect(idp.getAttribute('protocolSupportEnumeration')).toBe('urn:oasis:names:tc:SAML:2.0:protocol');
    expect(idp.getAttribute('WantAuthnRequestsSigned')).toBe('false');
    const keys = childElements(idp, MD, 'KeyDescriptor');
    expect(keys.map((k) => k.getAttribute('use'))).toEqual(['signing']);
    const der = elementText(singleChild(singleChild(singleChild(keys[0]!, DS, 'KeyInfo'), DS, 'X509Data'), DS, 'X509Certificate'));
    expect(der).toBe(certificateBase64(current.certificatePem));
    expect(childElements(idp, MD, 'NameIDFormat').map((e) => elementText(e))).toEqual([
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    ]);
    expect(childElements(idp, MD, 'SingleSignOnService').map((e) => [e.getAttribute('Binding'), e.getAttribute('Location')])).toEqual([
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', SSO],
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', SSO],
    ]);
  });

  it('publishes one signing KeyDescriptor per certificate during a rollover, and never an encryption key', () => {
    const xml = buildIdpMetadata({ entityId: SSO, ssoUrl: SSO, certificatePems: [current.certificatePem, next.certificatePem] });
    const keys = childElements(descriptor(xml).idp, MD, 'KeyDescriptor');
    expect(keys.map((k) => k.getAttribute('use'))).toEqual(['signing', 'signing']);
    expect(keys.map((k) => k.getElementsByTagNameNS(DS, 'X509Certificate')[0]!.textContent)).toEqual([certificateBase64(current.certificatePem), certificateBase64(next.certificatePem)]);
    expect(xml).not.toMatch(/encryption|EncryptionMethod/);
    expect(xml.length).toBeLessThan(IDP_METADATA_MAX_CHARS);
  });

  it('contains no private key material, and refuses a private key passed where a certificate belongs', () => {
    const xml = buildIdpMetadata({ entityId: SSO, ssoUrl: SSO, certificatePems: [current.certificatePem] });
    expect(xml).not.toContain('PRIVATE KEY');
    const keyBody = current.privateKeyPem.split('\n')[1]!;
    expect(xml).not.toContain(keyBody);
    let message = '';
    try {
      buildIdpMetadata({ entityId: SSO, ssoUrl: SSO, certificatePems: [current.privateKeyPem] });
    } catch (e) {
      message = String((e as Error).message);
    }
    expect(message).toContain('INTERNAL');
    expect(message).not.toContain(keyBody);
  });

  it('escapes the entity ID and URL', () => {
    const odd = 'https://idp.example.test/?a=1&b="2"<x>';
    const { root, idp } = descriptor(buildIdpMetadata({ entityId: odd, ssoUrl: odd, certificatePems: [current.certificatePem] }));
    expect(root.getAttribute('entityID')).toBe(odd);
    expect(childElements(idp, MD, 'SingleSignOnService')[0]!.getAttribute('Location')).toBe(odd);
  });

  it('refuses no certificates, and metadata at or over the IAM Identity Center limit of 75 000 characters', () => {
    expect(() => buildIdpMetadata({ entityId: SSO, ssoUrl: SSO, certificatePems: [] })).toThrow('INTERNAL');
    expect(() => buildIdpMetadata({ entityId: SSO, ssoUrl: SSO, certificatePems: Array(70).fill(current.certificatePem) })).toThrow(/75000|75 000/);
  });
});
