import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate, type TestCertificate } from '../../../test/helpers/test-certificate.js';
import { type IdpMetadata, parseIdpMetadata } from './parse-idp-metadata.js';

const now = new Date();
const ENTITY = 'https://portal.sso.eu-central-1.amazonaws.com/saml/assertion/b2yJrC4kjy3ZAS0a2SeDJj74ebEAxozPfiURId0aQsal3';
const SSO = 'https://portal.sso.eu-central-1.amazonaws.com/saml/assertion/b2yJrC4kjy3ZAS0a2SeDJj74ebEAxozPfiURId0aQsal3?x=1';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

function keyDescriptor(base64: string, use?: string): string {
  const wrapped = base64.match(/.{1,64}/g)!.join('\n');
  return `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n${wrapped}\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
}

function metadata(opts: { keys: string[]; sso?: string; entity?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${opts.entity ?? ENTITY}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${opts.keys.join('\n    ')}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="${POST}" Location="https://idp.example/post"/>
    ${opts.sso ?? `<md:SingleSignOnService Binding="${REDIRECT}" Location="${SSO.replace('&', '&amp;')}"/>`}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

function ok(xml: string): IdpMetadata {
  const r = parseIdpMetadata(xml, now);
  if (!r.ok) throw new Error(r.problem);
  return r.metadata;
}

function problem(xml: string): string {
  const r = parseIdpMetadata(xml, now);
  if (r.ok) throw new Error('expected a problem');
  return r.problem;
}

describe('parseIdpMetadata', () => {
  let a: TestCertificate;
  let b: TestCertificate;
  let enc: TestCertificate;
  beforeAll(async () => {
    [a, b, enc] = await Promise.all([makeTestCertificate({ commonName: 'a' }), makeTestCertificate({ commonName: 'b' }), makeTestCertificate({ commonName: 'enc' })]);
  });

  it('takes entityID, the HTTP-Redirect SSO location and every signing certificate, in order', () => {
    const m = ok(metadata({ keys: [keyDescriptor(a.base64, 'signing'), keyDescriptor(enc.base64, 'encryption'), keyDescriptor(b.base64)] }));
    expect(m.entityId).toBe(ENTITY);
    expect(m.ssoRedirectUrl).toBe(SSO);
    expect(m.certificates.map((c) => c.subject)).toEqual(['CN=a', 'CN=b']);
    expect(m.certificates[0]!.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('selects by namespace, not prefix, and drops a certificate listed twice', () => {
    const xml = metadata({ keys: [keyDescriptor(a.base64), keyDescriptor(a.base64, 'signing')] }).replaceAll('md:', 'm:').replace('xmlns:md=', 'xmlns:m=');
    expect(xml).toContain('<m:IDPSSODescriptor');
    const m = ok(xml);
    expect(m.certificates).toHaveLength(1);
    // A look-alike element in another namespace is not a KeyDescriptor.
    const fake = metadata({ keys: [keyDescriptor(a.base64).replaceAll('md:KeyDescriptor', 'x:KeyDescriptor').replace('<x:KeyDescriptor', '<x:KeyDescriptor xmlns:x="urn:evil"')] });
    expect(problem(fake)).toContain('has no signing certificate');
  });

  it('accepts an EntitiesDescriptor holding exactly one identity provider', () => {
    const inner = metadata({ keys: [keyDescriptor(a.base64)] }).replace(/^<\?xml[^>]*>\s*/, '');
    const sp = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`;
    const wrap = (...entities: string[]) => `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${entities.join('')}</md:EntitiesDescriptor>`;
    expect(ok(wrap(sp, inner)).entityId).toBe(ENTITY);
    expect(problem(wrap(inner, inner))).toBe('metadata holds 2 identity providers (EntityDescriptor with an IDPSSODescriptor); exactly one is required');
    expect(problem(wrap(sp))).toContain('holds 0 identity providers');
  });

  it('refuses metadata without a signing certificate (SP-KEY-05)', () => {
    expect(problem(metadata({ keys: [] }))).toBe('metadata has no signing certificate (no KeyDescriptor with use="signing" or without use)');
    expect(problem(metadata({ keys: [keyDescriptor(enc.base64, 'encryption')] }))).toContain('has no signing certificate');
  });

  it('refuses metadata without an HTTP-Redirect SingleSignOnService', () => {
    expect(problem(metadata({ keys: [keyDescriptor(a.base64)], sso: '' }))).toContain('has no SingleSignOnService with the HTTP-Redirect binding');
  });

  it('accepts the whitespace and comments real files have around the root element', () => {
    const xml = metadata({ keys: [keyDescriptor(a.base64)] }).replace('?>\n', '?>\r\n<!-- exported by the IdP -->\n\n');
    expect(ok(`${xml}\n`).entityId).toBe(ENTITY);
    expect(ok(`\uFEFF${xml}`).entityId).toBe(ENTITY);
  });

  it('refuses DOCTYPE, entities and XInclude (XML-01, XML-11)', () => {
    const good = metadata({ keys: [keyDescriptor(a.base64)] });
    const doctype = good.replace('<md:EntityDescriptor', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<md:EntityDescriptor');
    expect(problem(doctype)).toMatch(/^metadata is not acceptable XML: XML contains a DOCTYPE/);
    const xinclude = good.replace('<md:NameIDFormat>', '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/><md:NameIDFormat>');
    expect(problem(xinclude)).toBe('metadata contains an XInclude element; metadata must be self-contained');
    expect(problem(good.replace('<md:NameIDFormat>', '<?evil x?><md:NameIDFormat>'))).toMatch(/processing instruction/);
  });

  it('refuses other roots, wrong namespaces, weak or broken certificates, chains and placeholders', async () => {
    const weak = await makeTestCertificate({ key: { rsaBits: 1024 } });
    expect(problem('<EntityDescriptor entityID="x"/>')).toContain('has the root element {}EntityDescriptor');
    expect(problem(metadata({ keys: [keyDescriptor(a.base64)] }).replace('urn:oasis:names:tc:SAML:2.0:metadata', 'urn:evil'))).toContain('{urn:evil}EntityDescriptor');
    expect(problem(metadata({ keys: [keyDescriptor(weak.base64)] }))).toBe('metadata KeyDescriptor 1: the certificate has a 1024-bit RSA key; at least 2048 bits are required');
    expect(problem(metadata({ keys: [keyDescriptor('MIIC...xyz')] }))).toContain('shortened');
    expect(problem(metadata({ keys: [keyDescriptor('bm90IGEgY2VydA==')] }))).toBe('metadata KeyDescriptor 1: the certificate does not parse as an X.509 certificate');
    const chain = keyDescriptor(a.base64).replace('</ds:X509Data>', `<ds:X509Certificate>${b.base64}</ds:X509Certificate></ds:X509Data>`);
    expect(problem(metadata({ keys: [chain] }))).toContain('must carry exactly one ds:KeyInfo/ds:X509Data/ds:X509Certificate; found 2');
    expect(problem(metadata({ keys: [keyDescriptor(a.base64)], entity: '' }))).toBe('metadata has no usable entityID on its EntityDescriptor');
    expect(problem(metadata({ keys: [keyDescriptor(a.base64)] }).replace('urn:oasis:names:tc:SAML:2.0:protocol"', 'urn:oasis:names:tc:SAML:1.1:protocol"'))).toContain('does not support SAML 2.0');
  });
});
