import { randomBytes } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_IDP_ISSUER, awsStyleSamlResponse, GATEHOUSE_ACS } from '../../../test/fixtures/aws-style-saml-response.js';
import { codeOf } from '../../../test/helpers/error-code.js';
import { type GeneratedSigningCertificate, generateSigningCertificate } from '../../keys/generate-signing-certificate.js';
import { pinnedCertificates } from './pinned-certificates.js';
import { validateSamlResponse } from './validate-saml-response.js';

let idp: GeneratedSigningCertificate;
let other: GeneratedSigningCertificate;
const now = new Date();
const requestId = `_${randomBytes(16).toString('hex')}`;

beforeAll(async () => {
  idp = await generateSigningCertificate({ commonName: 'idp', now });
  other = await generateSigningCertificate({ commonName: 'other', now });
});

const expect_ = () => ({ idpIssuer: AWS_IDP_ISSUER, acsUrl: GATEHOUSE_ACS, spEntityId: GATEHOUSE_ACS, requestId, pinned: pinnedCertificates([idp.certificatePem]), now, skewMs: 60_000 });
const response = (opts: { signResponse?: boolean; nameId?: string } = {}) => awsStyleSamlResponse({ privateKeyPem: idp.privateKeyPem, certificatePem: idp.certificatePem, requestId, now, ...opts });

/** An edit that silently matched nothing would make a "rejected" case pass for the wrong reason. */
function changed(before: string, after: string): string {
  if (after === before) throw new Error('the edit did not apply');
  return after;
}

describe('validateSamlResponse', () => {
  it('accepts an IAM Identity Center-style response and reads the verified assertion', () => {
    const v = validateSamlResponse(response(), expect_());
    expect(v).toMatchObject({ nameId: 'alice@example.com', issuer: AWS_IDP_ISSUER, signed: 'both', attributes: { email: ['alice@example.com'], surName: ['Example'] } });
    expect(v.replayUntil.getTime()).toBeGreaterThan(now.getTime());
  });

  it('accepts an assertion-only signature and names the certificate that verified it', () => {
    const v = validateSamlResponse(response({ signResponse: false }), expect_());
    expect(v.signed).toBe('assertion');
    expect(v.certificateFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('refuses the same response against another pinned certificate', () => {
    expect(codeOf(() => validateSamlResponse(response(), { ...expect_(), pinned: pinnedCertificates([other.certificatePem]) }))).toBe('SAML_SIG_INVALID');
  });

  // Differential: Gatehouse's narrow XML-DSig verification and xml-crypto's general one must agree on every
  // verdict they both can give (xml-crypto is the reference implementation; Gatehouse is stricter on shape only).
  describe('agrees with xml-crypto SignedXml.checkSignature', () => {
    const edits: Array<[string, (xml: string) => string, boolean]> = [
      ['untouched', (x) => x, true],
      ['NameID changed', (x) => changed(x, x.replace('>alice@example.com</saml:NameID>', '>admin@example.com</saml:NameID>')), false],
      ['attribute value changed', (x) => changed(x, x.replace('>Alice Example<', '>Admin Example<')), false],
      ['comment inserted in the NameID (c14n drops it)', (x) => x.replace('>alice@example.com</saml:NameID>', '>alice@example.com<!--x--></saml:NameID>'), true],
      ['SignedInfo DigestValue changed', (x) => changed(x, x.replace(/<DigestValue>[A-Za-z0-9+/]/, (m) => `${m.slice(0, -1)}${m.endsWith('A') ? 'B' : 'A'}`)), false],
      ['whitespace added between assertion elements', (x) => changed(x, x.replace('</saml:Subject><saml:Conditions', '</saml:Subject>\n<saml:Conditions')), false],
      ['character reference for a signed character', (x) => x.replace('>Alice Example<', '>&#65;lice Example<'), true],
    ];
    for (const [name, edit, valid] of edits) {
      it(name, () => {
        const xml = edit(response({ signResponse: false }));
        const doc = new DOMParser().parseFromString(xml, 'text/xml');
        const signature = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!;
        const reference = new SignedXml({ publicCert: idp.certificatePem, getCertFromKeyInfo: () => null });
        reference.loadSignature(signature);
        let referenceVerdict: boolean;
        try {
          referenceVerdict = reference.checkSignature(xml);
        } catch {
          referenceVerdict = false;
        }
        let ours = true;
        try {
          validateSamlResponse(xml, expect_());
        } catch {
          ours = false;
        }
        expect(referenceVerdict).toBe(valid);
        expect(ours).toBe(valid);
      });
    }
  });
});
