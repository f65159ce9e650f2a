import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { certificateBase64, generateSigningCertificate, type GeneratedSigningCertificate } from '../../keys/generate-signing-certificate.js';
import { buildSamlErrorResponse, buildSignedSamlResponse, type SamlResponseInput, type SamlSigningKey } from './build-saml-response.js';
import { decodeRedirectMessage } from './decode-saml-message.js';
import { parseAuthnRequest } from './parse-authn-request.js';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const IDP = 'https://gatehouse.example.test/cdn-cgi/access/sso/saml/0123456789abcdef';
const SP = 'https://sp.example.test/saml/metadata';
const ACS = 'https://sp.example.test/saml/acs';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const RESPONSE_SIG = "/*[local-name()='Response']/*[local-name()='Signature']";
const ASSERTION_SIG = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']";

let cert: GeneratedSigningCertificate;
let evil: GeneratedSigningCertificate;
let key: SamlSigningKey;
let dir: string;

beforeAll(async () => {
  const now = new Date();
  [cert, evil] = await Promise.all([generateSigningCertificate({ commonName: 'Gatehouse test IdP', now }), generateSigningCertificate({ commonName: 'attacker', now })]);
  key = { privateKey: createPrivateKey(cert.privateKeyPem), certificateBase64: certificateBase64(cert.certificatePem) };
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-saml-'));
  writeFileSync(join(dir, 'idp.pem'), cert.certificatePem);
  writeFileSync(join(dir, 'evil.pem'), evil.certificatePem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function input(overrides: Partial<SamlResponseInput> = {}): SamlResponseInput {
  const now = overrides.now ?? new Date('2030-01-01T12:00:00.750Z');
  return {
    issuer: IDP,
    destination: ACS,
    audience: SP,
    inResponseTo: '_req0123456789',
    nameId: 'alice@example.com',
    nameIdFormat: EMAIL_FORMAT,
    sessionIndex: 'sess-1',
    authnInstant: new Date(now.getTime() - 30_000),
    sessionNotOnOrAfter: new Date(now.getTime() + 8 * 3600_000),
    attributes: [
      { name: 'email', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified', values: ['alice@example.com'] },
      { name: 'groups', values: ['engineering', 'admins'] },
    ],
    now,
    key,
    ...overrides,
  };
}

function parse(xml: string): Document {
  return new DOMParser({
    onError: (level, msg) => {
      throw new Error(`${level}: ${msg}`);
    },
  }).parseFromString(xml, 'application/xml');
}

function child(el: Element, ns: string, local: string): Element {
  const found = Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local);
  if (found.length !== 1) throw new Error(`expected one ${local} in ${el.localName}, found ${found.length}`);
  return found[0]!;
}

const c14n = (el: Element) => new ExclusiveCanonicalization().process(el as never, {});
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');
/** The text of the first <ds:Signature>…</ds:Signature> at or after `from`. */
function signatureText(xml: string, from = 0): string {
  const start = xml.indexOf('<ds:Signature ', from);
  return xml.slice(start, xml.indexOf('</ds:Signature>', start) + '</ds:Signature>'.length);
}

function xmlsecVerify(xml: string, xpath: string, certFile = 'idp.pem'): boolean {
  const file = join(dir, `msg-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  // --enabled-key-data rsa: ignore the certificate in KeyInfo, verify only with the pinned one, as an SP does.
  const r = spawnSync(
    'xmlsec1',
    ['--verify', '--pubkey-cert-pem', join(dir, certFile), '--enabled-key-data', 'rsa', '--id-attr:ID', `${SAMLP}:Response`, '--id-attr:ID', `${SAML_NS}:Assertion`, '--node-xpath', xpath, file],
    { encoding: 'utf8' },
  );
  if (r.error) throw r.error; // xmlsec1 missing must fail the test, never skip it
  return r.status === 0 && /^OK$/m.test(`${r.stdout}${r.stderr}`);
}

/** xml-crypto verification of one signature with the pinned certificate; returns the verified canonical bytes. */
function xmlCryptoVerify(xml: string, which: 'Response' | 'Assertion', pem = cert.certificatePem): string[] | false {
  const doc = parse(xml);
  const root = doc.documentElement!;
  const signed = which === 'Response' ? root : child(root, SAML_NS, 'Assertion');
  const sig = new SignedXml({ publicCert: pem });
  sig.loadSignature(child(signed, DS, 'Signature') as never);
  try {
    return sig.checkSignature(xml) ? sig.getSignedReferences() : false;
  } catch {
    return false;
  }
}

describe('byte-for-byte canonical proof (xml-crypto ExclusiveCanonicalization)', () => {
  it('the Assertion digest is over exactly its exc-c14n form without its Signature', () => {
    const xml = buildSignedSamlResponse(input());
    const start = xml.indexOf('<saml:Assertion ');
    const assertionText = xml.slice(start, xml.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length);
    const digested = assertionText.replace(signatureText(assertionText), '');

    const assertion = child(parse(xml).documentElement!, SAML_NS, 'Assertion');
    const signature = child(assertion, DS, 'Signature');
    const digestValue = signature.getElementsByTagNameNS(DS, 'DigestValue')[0]!.textContent;
    assertion.removeChild(signature);
    expect(c14n(assertion)).toBe(digested);
    expect(sha256(digested)).toBe(digestValue);
  });

  it('the Response digest is over exactly its exc-c14n form without its own Signature, signed Assertion included', () => {
    const xml = buildSignedSamlResponse(input());
    const digested = xml.replace(signatureText(xml), '');
    expect(digested).toContain(signatureText(xml, xml.indexOf('<saml:Assertion '))); // the Assertion's signature stays

    const root = parse(xml).documentElement!;
    const signature = child(root, DS, 'Signature');
    const digestValue = signature.getElementsByTagNameNS(DS, 'DigestValue')[0]!.textContent;
    root.removeChild(signature);
    expect(c14n(root)).toBe(digested);
    expect(sha256(digested)).toBe(digestValue);
  });

  it('each canonical SignedInfo is the written SignedInfo with xmlns:ds, and the RSA signature is over it', () => {
    const xml = buildSignedSamlResponse(input());
    const root = parse(xml).documentElement!;
    const publicKey = createPublicKey(cert.certificatePem);
    for (const [signature, from] of [
      [child(root, DS, 'Signature'), 0],
      [child(child(root, SAML_NS, 'Assertion'), DS, 'Signature'), xml.indexOf('<saml:Assertion ')],
    ] as const) {
      const text = signatureText(xml, from);
      const written = text.slice(text.indexOf('<ds:SignedInfo>'), text.indexOf('</ds:SignedInfo>') + '</ds:SignedInfo>'.length);
      const canonical = c14n(signature.getElementsByTagNameNS(DS, 'SignedInfo')[0]!);
      expect(canonical).toBe(written.replace('<ds:SignedInfo>', `<ds:SignedInfo xmlns:ds="${DS}">`));
      const value = Buffer.from(signature.getElementsByTagNameNS(DS, 'SignatureValue')[0]!.textContent!, 'base64');
      expect(verify('sha256', Buffer.from(canonical, 'utf8'), publicKey, value)).toBe(true);
    }
  });
});

describe('xmlsec1 --verify (libxml2/OpenSSL, independent of our code)', () => {
  it('accepts the Response signature and the Assertion signature independently', () => {
    const xml = buildSignedSamlResponse(input());
    expect(xmlsecVerify(xml, RESPONSE_SIG)).toBe(true);
    expect(xmlsecVerify(xml, ASSERTION_SIG)).toBe(true);
  });
  it('rejects a copy whose NameID was changed (both signatures break)', () => {
    const xml = buildSignedSamlResponse(input()).replace('>alice@example.com</saml:NameID>', '>admin@example.com</saml:NameID>');
    expect(xml).toContain('>admin@example.com</saml:NameID>');
    expect(xmlsecVerify(xml, ASSERTION_SIG)).toBe(false);
    expect(xmlsecVerify(xml, RESPONSE_SIG)).toBe(false);
  });
  it('rejects a copy whose Response Destination was changed (Response signature breaks, Assertion still valid)', () => {
    const xml = buildSignedSamlResponse(input()).replace(`Destination="${ACS}"`, 'Destination="https://evil.test/acs"');
    expect(xmlsecVerify(xml, RESPONSE_SIG)).toBe(false);
    expect(xmlsecVerify(xml, ASSERTION_SIG)).toBe(true);
  });
  it("rejects the genuine response when the pinned certificate is the attacker's", () => {
    const xml = buildSignedSamlResponse(input());
    expect(xmlsecVerify(xml, RESPONSE_SIG, 'evil.pem')).toBe(false);
    expect(xmlsecVerify(xml, ASSERTION_SIG, 'evil.pem')).toBe(false);
  });
});

describe('xml-crypto SignedXml with publicCert', () => {
  it('verifies both signatures; the verified bytes are the canonical elements', () => {
    const xml = buildSignedSamlResponse(input());
    const assertionRefs = xmlCryptoVerify(xml, 'Assertion');
    const responseRefs = xmlCryptoVerify(xml, 'Response');
    expect(assertionRefs && assertionRefs.length).toBe(1);
    expect(responseRefs && responseRefs.length).toBe(1);
    expect((assertionRefs as string[])[0]).toMatch(/^<saml:Assertion xmlns:saml="[^"]+" ID="_[0-9a-f]{40}"/);
    expect((responseRefs as string[])[0]).toBe(xml.replace(signatureText(xml), ''));
  });
  it('fails a tampered copy and a foreign certificate', () => {
    const xml = buildSignedSamlResponse(input());
    const tampered = xml.replace('>admins</saml:AttributeValue>', '>root</saml:AttributeValue>');
    expect(tampered).not.toBe(xml);
    expect(xmlCryptoVerify(tampered, 'Assertion')).toBe(false);
    expect(xmlCryptoVerify(tampered, 'Response')).toBe(false);
    expect(xmlCryptoVerify(xml, 'Assertion', evil.certificatePem)).toBe(false);
  });
});

describe('response content (IDP-RESP-02, IDP-RESP-03)', () => {
  it('writes the values, times and structure the SP checks', () => {
    const xml = buildSignedSamlResponse(input());
    const root = parse(xml).documentElement!;
    expect([root.namespaceURI, root.localName, root.getAttribute('Destination'), root.getAttribute('InResponseTo'), root.getAttribute('Version')]).toEqual([SAMLP, 'Response', ACS, '_req0123456789', '2.0']);
    expect(root.getAttribute('IssueInstant')).toBe('2030-01-01T12:00:00Z');
    expect(child(child(root, SAMLP, 'Status'), SAMLP, 'StatusCode').getAttribute('Value')).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
    const a = child(root, SAML_NS, 'Assertion');
    expect(child(a, SAML_NS, 'Issuer').textContent).toBe(IDP);
    const subject = child(a, SAML_NS, 'Subject');
    const nameId = child(subject, SAML_NS, 'NameID');
    expect([nameId.textContent, nameId.getAttribute('Format')]).toEqual(['alice@example.com', EMAIL_FORMAT]);
    const confirmation = child(subject, SAML_NS, 'SubjectConfirmation');
    expect(confirmation.getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
    const data = child(confirmation, SAML_NS, 'SubjectConfirmationData');
    expect([data.getAttribute('Recipient'), data.getAttribute('InResponseTo'), data.getAttribute('NotOnOrAfter')]).toEqual([ACS, '_req0123456789', '2030-01-01T12:05:00Z']);
    const conditions = child(a, SAML_NS, 'Conditions');
    expect([conditions.getAttribute('NotBefore'), conditions.getAttribute('NotOnOrAfter')]).toEqual(['2030-01-01T11:59:00Z', '2030-01-01T12:05:00Z']);
    expect(child(child(conditions, SAML_NS, 'AudienceRestriction'), SAML_NS, 'Audience').textContent).toBe(SP);
    const authn = child(a, SAML_NS, 'AuthnStatement');
    expect([authn.getAttribute('AuthnInstant'), authn.getAttribute('SessionIndex'), authn.getAttribute('SessionNotOnOrAfter')]).toEqual(['2030-01-01T11:59:30Z', 'sess-1', '2030-01-01T20:00:00Z']);
    expect(child(child(authn, SAML_NS, 'AuthnContext'), SAML_NS, 'AuthnContextClassRef').textContent).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified');
    const attrs = Array.from(child(a, SAML_NS, 'AttributeStatement').getElementsByTagNameNS(SAML_NS, 'Attribute')).map((e) => [e.getAttribute('Name'), e.getAttribute('NameFormat'), Array.from(e.getElementsByTagNameNS(SAML_NS, 'AttributeValue')).map((v) => v.textContent)]);
    expect(attrs).toEqual([
      ['email', 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified', ['alice@example.com']],
      ['groups', null, ['engineering', 'admins']],
    ]);
    expect(xml).not.toContain('xsi:type');
  });

  it('places each Signature right after the Issuer with one Reference to its parent ID and the allowed algorithms', () => {
    const root = parse(buildSignedSamlResponse(input())).documentElement!;
    for (const el of [root, child(root, SAML_NS, 'Assertion')]) {
      const elements = Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1);
      expect(elements.slice(0, 2).map((e) => `${e.namespaceURI}|${e.localName}`)).toEqual([`${SAML_NS}|Issuer`, `${DS}|Signature`]);
      const sig = elements[1]!;
      const refs = sig.getElementsByTagNameNS(DS, 'Reference');
      expect(refs.length).toBe(1);
      expect(refs[0]!.getAttribute('URI')).toBe(`#${el.getAttribute('ID')}`);
      expect(el.getAttribute('ID')).toMatch(/^_[0-9a-f]{40}$/);
      const algorithms = Array.from(sig.getElementsByTagNameNS('*', '*')).flatMap((e) => (e.getAttribute('Algorithm') ? [`${e.localName}=${e.getAttribute('Algorithm')}`] : []));
      expect(algorithms).toEqual([
        'CanonicalizationMethod=http://www.w3.org/2001/10/xml-exc-c14n#',
        'SignatureMethod=http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
        'Transform=http://www.w3.org/2000/09/xmldsig#enveloped-signature',
        'Transform=http://www.w3.org/2001/10/xml-exc-c14n#',
        'DigestMethod=http://www.w3.org/2001/04/xmlenc#sha256',
      ]);
      expect(sig.getElementsByTagNameNS(DS, 'X509Certificate')[0]!.textContent).toBe(key.certificateBase64);
    }
  });

  it('uses fresh unpredictable IDs every time', () => {
    const ids = new Set(Array.from({ length: 20 }, () => buildSignedSamlResponse(input())).flatMap((x) => [...x.matchAll(/ ID="(_[0-9a-f]{40})"/g)].map((m) => m[1])));
    expect(ids.size).toBe(40);
  });

  it('omits InResponseTo for IdP-initiated SSO, and the AttributeStatement when there are no attributes', () => {
    const xml = buildSignedSamlResponse(input({ inResponseTo: undefined, attributes: [] }));
    expect(xml).not.toContain('InResponseTo');
    expect(xml).not.toContain('AttributeStatement');
    expect(xmlsecVerify(xml, RESPONSE_SIG) && xmlsecVerify(xml, ASSERTION_SIG)).toBe(true);
  });

  it('honours validitySeconds, authnContextClassRef and refuses a lifetime outside 1..300 s', () => {
    const xml = buildSignedSamlResponse(input({ validitySeconds: 60, authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' }));
    expect(xml).toContain('NotOnOrAfter="2030-01-01T12:01:00Z"');
    expect(xml).toContain('>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>');
    for (const validitySeconds of [0, 301, 1.5, Number.NaN]) {
      expect(() => buildSignedSamlResponse(input({ validitySeconds }))).toThrow(GatehouseError);
    }
  });
});

describe('injection through identity values (IDP-RESP-01)', () => {
  const NASTY = [
    '</saml:AttributeValue><saml:Attribute Name="x"><saml:AttributeValue>admin',
    ']]>',
    '<!--',
    '--> <!-- x',
    '"double" & \'single\' & &amp; &#x41;',
    'line1\r\nline2\ttab\rcr',
    '<![CDATA[admin]]>',
    '😀 Ünïcödé — \u00a0',
    'XML 1.1 line ends: \u0085 \u2028 \u2029',
    '  padded  ',
  ];

  it('survives every round trip: parses, verifies with xmlsec1 and xml-crypto, reads back identical', () => {
    const attributes = [
      { name: 'name', values: [NASTY[0]!] },
      { name: 'groups', values: NASTY },
      { name: 'x"><y a="', friendlyName: '<b>&', values: ['v'] },
    ];
    const xml = buildSignedSamlResponse(input({ attributes, nameId: 'o\'brien+"x"&<y>@example.com' }));
    const assertion = child(parse(xml).documentElement!, SAML_NS, 'Assertion');
    const read = Array.from(assertion.getElementsByTagNameNS(SAML_NS, 'Attribute')).map((e) => ({
      name: e.getAttribute('Name'),
      values: Array.from(e.getElementsByTagNameNS(SAML_NS, 'AttributeValue')).map((v) => v.textContent),
    }));
    expect(read).toEqual(attributes.map((a) => ({ name: a.name, values: a.values })));
    expect(assertion.getElementsByTagNameNS(SAML_NS, 'Attribute').length).toBe(3); // no injected Attribute
    expect(child(child(assertion, SAML_NS, 'Subject'), SAML_NS, 'NameID').textContent).toBe('o\'brien+"x"&<y>@example.com');
    expect(xmlsecVerify(xml, RESPONSE_SIG)).toBe(true);
    expect(xmlsecVerify(xml, ASSERTION_SIG)).toBe(true);
    expect(xmlCryptoVerify(xml, 'Assertion')).not.toBe(false);
    expect(xmlCryptoVerify(xml, 'Response')).not.toBe(false);
  });

  const ILLEGAL = { 'U+0001': 'a\u0001b', NUL: '\u0000', 'U+001B escape': '\u001b[31m', 'lone high surrogate': 'x\uD83D', 'lone low surrogate': '\uDE00x', 'U+FFFF': '\uFFFF' };
  for (const [label, bad] of Object.entries(ILLEGAL)) {
    it(`refuses ${label} in an attribute value, attribute name, NameID or session index with APP_IDENTITY_UNUSABLE`, () => {
      const attempts: Array<Partial<SamlResponseInput>> = [
        { attributes: [{ name: 'groups', values: ['ok', bad] }] },
        { attributes: [{ name: bad, values: ['ok'] }] },
        { nameId: `user${bad}@example.com` },
        { sessionIndex: bad },
      ];
      for (const overrides of attempts) {
        let code = 'no error';
        try {
          buildSignedSamlResponse(input(overrides));
        } catch (e) {
          code = e instanceof GatehouseError ? e.code : String(e);
        }
        expect(code).toBe('APP_IDENTITY_UNUSABLE');
      }
    });
  }

  it('refuses an empty NameID', () => {
    expect(() => buildSignedSamlResponse(input({ nameId: '' }))).toThrow('APP_IDENTITY_UNUSABLE');
  });
});

describe('@node-saml/node-saml 5.1 as the service provider', () => {
  function sp(overrides: Partial<ConstructorParameters<typeof SAML>[0]> = {}): SAML {
    return new SAML({
      idpCert: cert.certificatePem,
      issuer: SP,
      audience: SP,
      callbackUrl: ACS,
      entryPoint: IDP,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: ValidateInResponseTo.always,
      ...overrides,
    });
  }

  /** SP → AuthnRequest (Redirect) → our decoder and parser → our builder: the full SP-initiated round trip. */
  async function roundTrip(saml: SAML, overrides: Partial<SamlResponseInput> = {}) {
    const url = new URL(await saml.getAuthorizeUrlAsync('relay', undefined, {}));
    const now = new Date(); // node-saml checks against the real clock
    const request = parseAuthnRequest(decodeRedirectMessage(url.searchParams.get('SAMLRequest')!), { spEntityId: SP, registeredAcsUrl: ACS, ssoEndpointUrl: IDP, now });
    const xml = buildSignedSamlResponse(input({ now, inResponseTo: request.id, destination: request.acsUrl, ...overrides }));
    return { request, result: saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') }) };
  }

  it('accepts the response and yields the NameID and attributes', async () => {
    const { request, result } = await roundTrip(sp());
    const { profile } = await result;
    expect(profile?.nameID).toBe('alice@example.com');
    expect(profile?.nameIDFormat).toBe(EMAIL_FORMAT);
    expect(profile?.inResponseTo).toBe(request.id);
    expect(profile?.issuer).toBe(IDP);
    expect(profile?.attributes).toEqual({ email: 'alice@example.com', groups: ['engineering', 'admins'] });
  });

  it('reads hostile attribute values back unchanged', async () => {
    const values = ['</saml:AttributeValue><saml:Attribute Name="x">', ']]>', '<!--', '"&\'', 'a\r\nb\tc', '😀'];
    const { result } = await roundTrip(sp(), { attributes: [{ name: 'groups', values }] });
    expect((await result).profile?.attributes).toEqual({ groups: values });
  });

  it('verifies values with U+0085 / U+2028 / U+2029 (its attribute reader may map them to \\n, an xmldom quirk)', async () => {
    const { result } = await roundTrip(sp(), { attributes: [{ name: 'name', values: ['x\u2028y\u0085z\u2029'] }] });
    // Accepted means both signatures verified. node-saml re-parses the verified canonical bytes with xmldom's
    // XML 1.1-style line-end normalization, so it may report them as \n; XML 1.0 SPs read them unchanged.
    const asLf = (v: unknown) => String(v).replace(/[\u0085\u2028\u2029]/g, '\n');
    expect(asLf(((await result).profile?.attributes as Record<string, unknown> | undefined)?.name)).toBe(asLf('x\u2028y\u0085z\u2029'));
  });

  it('rejects a response minted for another audience', async () => {
    const { result } = await roundTrip(sp(), { audience: 'https://other-sp.example.test/metadata' });
    await expect(result).rejects.toThrow(/audience/i);
  });

  it('rejects a response whose InResponseTo it never issued', async () => {
    const now = new Date();
    const xml = buildSignedSamlResponse(input({ now, inResponseTo: '_never-issued' }));
    await expect(sp().validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') })).rejects.toThrow(/InResponseTo/i);
  });

  it('rejects a response signed by another key', async () => {
    const foreign = { privateKey: createPrivateKey(evil.privateKeyPem), certificateBase64: certificateBase64(evil.certificatePem) };
    const { result } = await roundTrip(sp(), { key: foreign });
    await expect(result).rejects.toThrow(/signature/i);
  });

  it('accepts an IdP-initiated response (no InResponseTo) when the SP allows it', async () => {
    const xml = buildSignedSamlResponse(input({ now: new Date(), inResponseTo: undefined }));
    const { profile } = await sp({ validateInResponseTo: ValidateInResponseTo.never }).validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') });
    expect(profile?.nameID).toBe('alice@example.com');
  });
});

describe('buildSamlErrorResponse', () => {
  const NO_PASSIVE = 'urn:oasis:names:tc:SAML:2.0:status:NoPassive';
  const RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';

  it('builds a signed Response with nested status codes and a message, and no Assertion', () => {
    const xml = buildSamlErrorResponse({ issuer: IDP, destination: ACS, inResponseTo: '_req1', statusCode: RESPONDER, subStatusCode: NO_PASSIVE, message: 'no session & <passive>', now: new Date('2030-01-01T12:00:00Z'), key });
    const root = parse(xml).documentElement!;
    const status = child(root, SAMLP, 'Status');
    const top = child(status, SAMLP, 'StatusCode');
    expect([top.getAttribute('Value'), child(top, SAMLP, 'StatusCode').getAttribute('Value')]).toEqual([RESPONDER, NO_PASSIVE]);
    expect(child(status, SAMLP, 'StatusMessage').textContent).toBe('no session & <passive>');
    expect(root.getElementsByTagNameNS(SAML_NS, 'Assertion').length).toBe(0);
    expect(root.getAttribute('InResponseTo')).toBe('_req1');
    expect(xmlsecVerify(xml, RESPONSE_SIG)).toBe(true);
    expect(xmlCryptoVerify(xml, 'Response')).not.toBe(false);
    expect(xmlsecVerify(xml.replace(NO_PASSIVE, 'urn:oasis:names:tc:SAML:2.0:status:Success'), RESPONSE_SIG)).toBe(false);
  });

  it('is understood by node-saml as a NoPassive answer to its request', async () => {
    const saml = new SAML({ idpCert: cert.certificatePem, issuer: SP, audience: SP, callbackUrl: ACS, entryPoint: IDP, wantAuthnResponseSigned: true, validateInResponseTo: ValidateInResponseTo.always, passive: true });
    const url = new URL(await saml.getAuthorizeUrlAsync('relay', undefined, {}));
    const request = parseAuthnRequest(decodeRedirectMessage(url.searchParams.get('SAMLRequest')!), { spEntityId: SP, registeredAcsUrl: ACS, ssoEndpointUrl: IDP, now: new Date() });
    expect(request.isPassive).toBe(true);
    const xml = buildSamlErrorResponse({ issuer: IDP, destination: ACS, inResponseTo: request.id, statusCode: RESPONDER, subStatusCode: NO_PASSIVE, now: new Date(), key });
    const result = await saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') });
    expect(result).toEqual({ profile: null, loggedOut: false });
  });

  it('omits the optional parts', () => {
    const xml = buildSamlErrorResponse({ issuer: IDP, destination: ACS, statusCode: RESPONDER, now: new Date('2030-01-01T12:00:00Z'), key });
    expect(xml).not.toMatch(/InResponseTo|StatusMessage|<samlp:StatusCode[^>]*><samlp:StatusCode/);
    expect(xmlsecVerify(xml, RESPONSE_SIG)).toBe(true);
  });
});
