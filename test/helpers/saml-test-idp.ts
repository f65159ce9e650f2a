/**
 * A throw-away SAML IdP for attacking Gatehouse's upstream-SAML ACS (security catalogue §0.2, §1, §2).
 *
 * - keys: K_idp (pinned in the IdP record), K_evil (never configured), and helpers for cloned / EC / small keys;
 * - `buildG0` writes the golden Response of §0.2 with a parameter for every field;
 * - `signElementXml` signs one element with xml-crypto's SignedXml (enveloped signature right after the element's
 *   Issuer, exc-c14n, rsa-sha256, sha256, KeyInfo with the certificate), with knobs for every algorithm URI, the
 *   transforms, the key, KeyInfo, the Reference target and extra References;
 * - `E()` (the catalogue's "evil edit") and the SAML Raider XSW1..8/10 shapes as DOM edits with @xmldom/xmldom.
 *
 * Nothing here verifies anything: Gatehouse does that. The fixtures themselves are unit-checked against xmlsec1.
 */
import { createHash, createHmac, createSign, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DOMParser, type Document, type Element, type Node, XMLSerializer } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { generateSigningCertificate } from '../../src/keys/generate-signing-certificate.js';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
} as const;

export const ALG = {
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  rsaMd5: 'http://www.w3.org/2001/04/xmldsig-more#rsa-md5',
  hmacSha1: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  dsaSha1: 'http://www.w3.org/2000/09/xmldsig#dsa-sha1',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  md5: 'http://www.w3.org/2001/04/xmldsig-more#md5',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nWithComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  c14nWithComments: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  xslt: 'http://www.w3.org/TR/1999/REC-xslt-19991116',
  xpath: 'http://www.w3.org/TR/1999/REC-xpath-19991116',
  xpathFilter2: 'http://www.w3.org/2002/06/xmldsig-filter2',
  base64: 'http://www.w3.org/2000/09/xmldsig#base64',
  evil: 'urn:evil',
} as const;

export const NAMEID = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  entity: 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity',
  encrypted: 'urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted',
} as const;

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
} as const;

export const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
export const ALICE = 'alice@example.com';
export const ADMIN = 'admin@example.com';

// ---------------------------------------------------------------------------------------------------------------
// Keys

export interface TestKey {
  name: string;
  privateKeyPem: string;
  certificatePem: string;
  /** The certificate's base64 DER (what goes into X509Certificate). */
  certBase64: string;
}

type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);

export function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----|\s+/g, '');
}

/** A fresh RSA-2048 key and self-signed certificate (Gatehouse's own generator, the one the broker uses). */
export async function makeTestKey(name: string): Promise<TestKey> {
  const g = await generateSigningCertificate({ commonName: name, now: new Date() });
  return { name, privateKeyPem: g.privateKeyPem, certificatePem: g.certificatePem, certBase64: pemBody(g.certificatePem) };
}

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** A certificate for a new key with the subject, issuer, serial and validity of `original` (SAML Raider "clone"). */
export async function cloneCertificate(original: TestKey, name: string, modulusLength = 2048): Promise<TestKey> {
  const orig = new x509.X509Certificate(original.certificatePem);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey('pkcs8', Buffer.from(pemBody(privateKey), 'base64'), RSA_SHA256, false, ['sign']),
    publicKey: await subtle.importKey('spki', Buffer.from(pemBody(publicKey), 'base64'), RSA_SHA256, true, ['verify']),
  };
  type Params = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: orig.serialNumber,
    name: orig.subjectName,
    notBefore: orig.notBefore,
    notAfter: orig.notAfter,
    signingAlgorithm: RSA_SHA256,
    keys: keys as unknown as Params['keys'],
    extensions: orig.extensions,
  });
  const certificatePem = cert.toString('pem');
  return { name, privateKeyPem: privateKey, certificatePem, certBase64: pemBody(certificatePem) };
}

/** An RSA key of a chosen size with a self-signed certificate (SP-ALG-06: 1024-bit). */
export async function makeRsaKeyOfSize(name: string, modulusLength: number): Promise<TestKey> {
  const base = await makeTestKey(`${name}-template`);
  return cloneCertificate(base, name, modulusLength);
}

/** A P-256 key (PEM) for ECDSA signatures against an RSA certificate (SP-ALG-06). */
export function makeEcPrivateKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
}

export interface TestKeys {
  idp: TestKey;
  evil: TestKey;
}

export async function makeTestKeys(): Promise<TestKeys> {
  const [idp, evil] = await Promise.all([makeTestKey('K_idp test IdP'), makeTestKey('K_evil attacker')]);
  return { idp, evil };
}

// ---------------------------------------------------------------------------------------------------------------
// The golden Response G0

export interface Attribute {
  name: string;
  values: string[];
  nameFormat?: string;
}

export interface G0Params {
  /** The AuthnRequest ID the response answers: Response@InResponseTo and SubjectConfirmationData@InResponseTo. */
  requestId: string | null;
  acs: string;
  /** SP entity ID (= ACS for Gatehouse). */
  audience: string;
  /** IdP entity ID. */
  issuer: string;
  /** ms since epoch; defaults to Date.now(). */
  now?: number;
  responseId?: string;
  assertionId?: string;
  /** Override Response@InResponseTo (null omits it). */
  responseInResponseTo?: string | null;
  /** Override SubjectConfirmationData@InResponseTo (null omits it). */
  scdInResponseTo?: string | null;
  destination?: string | null;
  recipient?: string | null;
  /** Each inner array is one AudienceRestriction; [] = no AudienceRestriction. */
  audienceRestrictions?: string[][];
  /** Response Issuer (null omits it). */
  responseIssuer?: string | null;
  /** Assertion Issuer (null omits it). */
  assertionIssuer?: string | null;
  issuerFormat?: string;
  nameId?: string;
  /** null omits the Format attribute. */
  nameIdFormat?: string | null;
  nameIdExtraAttrs?: string;
  statusCode?: string;
  subStatusCode?: string;
  statusMessage?: string;
  version?: string;
  assertionVersion?: string;
  issueInstant?: string | null;
  assertionIssueInstant?: string | null;
  notBefore?: string | null;
  notOnOrAfter?: string | null;
  scdNotOnOrAfter?: string | null;
  authnInstant?: string;
  sessionNotOnOrAfter?: string | null;
  confirmationMethod?: string;
  /** Raw SubjectConfirmation elements replacing the generated one. */
  subjectConfirmationsXml?: string;
  /** Defaults: email=NameID value, name=Alice Example, groups=[engineering]. */
  attributes?: Attribute[];
  /** Raw XML appended to the Subject / Conditions / end of the Assertion. */
  extraSubjectXml?: string;
  extraConditionsXml?: string;
  extraAssertionXml?: string;
  /** Raw XML placed between Response Issuer and Status (e.g. samlp:Extensions). */
  responseExtensionsXml?: string;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const attr = (name: string, value: string | null | undefined) => (value === null || value === undefined ? '' : ` ${name}="${xmlEscape(value)}"`);

/** The golden Response of catalogue §0.2 (unsigned; see `signG`). Every field is a parameter. */
export function buildG0(p: G0Params): string {
  const now = p.now ?? Date.now();
  const responseId = p.responseId ?? newId('_r1');
  const assertionId = p.assertionId ?? newId('_a1');
  const nameId = p.nameId ?? ALICE;
  const issueInstant = p.issueInstant === undefined ? iso(now) : p.issueInstant;
  const assertionIssueInstant = p.assertionIssueInstant === undefined ? iso(now) : p.assertionIssueInstant;
  const notBefore = p.notBefore === undefined ? iso(now - 60_000) : p.notBefore;
  const notOnOrAfter = p.notOnOrAfter === undefined ? iso(now + 5 * 60_000) : p.notOnOrAfter;
  const scdNotOnOrAfter = p.scdNotOnOrAfter === undefined ? iso(now + 5 * 60_000) : p.scdNotOnOrAfter;
  const sessionNotOnOrAfter = p.sessionNotOnOrAfter === undefined ? iso(now + 8 * 3600_000) : p.sessionNotOnOrAfter;
  const responseInResponseTo = p.responseInResponseTo === undefined ? p.requestId : p.responseInResponseTo;
  const scdInResponseTo = p.scdInResponseTo === undefined ? p.requestId : p.scdInResponseTo;
  const destination = p.destination === undefined ? p.acs : p.destination;
  const recipient = p.recipient === undefined ? p.acs : p.recipient;
  const responseIssuer = p.responseIssuer === undefined ? p.issuer : p.responseIssuer;
  const assertionIssuer = p.assertionIssuer === undefined ? p.issuer : p.assertionIssuer;
  const audienceRestrictions = p.audienceRestrictions ?? [[p.audience]];
  const nameIdFormat = p.nameIdFormat === undefined ? NAMEID.email : p.nameIdFormat;
  const attributes = p.attributes ?? [
    { name: 'email', values: [nameId] },
    { name: 'name', values: ['Alice Example'] },
    { name: 'groups', values: ['engineering'] },
  ];
  const issuerXml = (value: string | null) => (value === null ? '' : `<saml:Issuer${attr('Format', p.issuerFormat)}>${xmlEscape(value)}</saml:Issuer>`);
  const status =
    `<samlp:Status><samlp:StatusCode Value="${xmlEscape(p.statusCode ?? STATUS.success)}">` +
    (p.subStatusCode ? `<samlp:StatusCode Value="${xmlEscape(p.subStatusCode)}"/>` : '') +
    `</samlp:StatusCode>${p.statusMessage !== undefined ? `<samlp:StatusMessage>${xmlEscape(p.statusMessage)}</samlp:StatusMessage>` : ''}</samlp:Status>`;
  const confirmations =
    p.subjectConfirmationsXml ??
    `<saml:SubjectConfirmation Method="${xmlEscape(p.confirmationMethod ?? BEARER)}">` +
      `<saml:SubjectConfirmationData${attr('InResponseTo', scdInResponseTo)}${attr('NotOnOrAfter', scdNotOnOrAfter)}${attr('Recipient', recipient)}/>` +
      `</saml:SubjectConfirmation>`;
  const conditions =
    `<saml:Conditions${attr('NotBefore', notBefore)}${attr('NotOnOrAfter', notOnOrAfter)}>` +
    audienceRestrictions.map((list) => `<saml:AudienceRestriction>${list.map((a) => `<saml:Audience>${xmlEscape(a)}</saml:Audience>`).join('')}</saml:AudienceRestriction>`).join('') +
    (p.extraConditionsXml ?? '') +
    `</saml:Conditions>`;
  const attributeStatement =
    attributes.length === 0
      ? ''
      : `<saml:AttributeStatement>` +
        attributes
          .map(
            (a) =>
              `<saml:Attribute Name="${xmlEscape(a.name)}" NameFormat="${xmlEscape(a.nameFormat ?? 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic')}">` +
              a.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${xmlEscape(v)}</saml:AttributeValue>`).join('') +
              `</saml:Attribute>`,
          )
          .join('') +
        `</saml:AttributeStatement>`;
  const assertion =
    `<saml:Assertion xmlns:saml="${NS.saml}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" ID="${xmlEscape(assertionId)}"${attr('IssueInstant', assertionIssueInstant)} Version="${xmlEscape(p.assertionVersion ?? '2.0')}">` +
    issuerXml(assertionIssuer) +
    `<saml:Subject><saml:NameID${attr('Format', nameIdFormat)}${p.nameIdExtraAttrs ?? ''}>${xmlEscape(nameId)}</saml:NameID>${confirmations}${p.extraSubjectXml ?? ''}</saml:Subject>` +
    conditions +
    `<saml:AuthnStatement AuthnInstant="${xmlEscape(p.authnInstant ?? iso(now - 30_000))}"${attr('SessionNotOnOrAfter', sessionNotOnOrAfter)} SessionIndex="${newId('_s')}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>` +
    attributeStatement +
    (p.extraAssertionXml ?? '') +
    `</saml:Assertion>`;
  return (
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${xmlEscape(responseId)}" Version="${xmlEscape(p.version ?? '2.0')}"` +
    `${attr('IssueInstant', issueInstant)}${attr('Destination', destination)}${attr('InResponseTo', responseInResponseTo)}>` +
    issuerXml(responseIssuer) +
    (p.responseExtensionsXml ?? '') +
    status +
    assertion +
    `</samlp:Response>`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// DOM helpers

export function parseXml(xml: string): Document {
  return new DOMParser({ onError: () => {} }).parseFromString(xml, 'application/xml');
}

export function serializeXml(node: Document | Node): string {
  return new XMLSerializer().serializeToString(node as Node);
}

export function children(parent: Node, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let c = parent.firstChild; c; c = c.nextSibling) if (c.nodeType === 1 && (c as Element).namespaceURI === ns && (c as Element).localName === local) out.push(c as Element);
  return out;
}

export function child(parent: Node, ns: string, local: string): Element {
  const found = children(parent, ns, local)[0];
  if (!found) throw new Error(`fixture: no {${ns}}${local} under ${(parent as Element).localName ?? '#document'}`);
  return found;
}

export function descendants(root: Node, ns: string, local: string): Element[] {
  return Array.from((root as Element | Document).getElementsByTagNameNS(ns, local));
}

export function root(doc: Document): Element {
  return doc.documentElement!;
}

/** The top-level Assertion of a Response document. */
export function assertionOf(doc: Document): Element {
  return child(root(doc), NS.saml, 'Assertion');
}

export function signatureOf(el: Element): Element {
  return child(el, NS.ds, 'Signature');
}

export function removeSignature(el: Element): void {
  for (const s of children(el, NS.ds, 'Signature')) el.removeChild(s);
}

/** Applies a DOM edit to an XML string. */
export function edit(xml: string, fn: (doc: Document) => void): string {
  const doc = parseXml(xml);
  fn(doc);
  return serializeXml(doc);
}

export function setText(el: Element, text: string): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(el.ownerDocument!.createTextNode(text));
}

/** Inserts `newNode` right after `ref`. */
export function insertAfter(newNode: Node, ref: Node): void {
  ref.parentNode!.insertBefore(newNode, ref.nextSibling);
}

/** Replaces an element's content with parsed markup (a fragment wrapped with the namespaces used in fixtures). */
export function fragment(doc: Document, xml: string): Node[] {
  const wrapper = parseXml(`<w xmlns:saml="${NS.saml}" xmlns:samlp="${NS.samlp}" xmlns:ds="${NS.ds}" xmlns:xenc="${NS.xenc}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}">${xml}</w>`);
  return Array.from(wrapper.documentElement!.childNodes).map((n) => doc.importNode(n, true));
}

// ---------------------------------------------------------------------------------------------------------------
// E(): the catalogue's evil edit

/** In `assertion`: NameID becomes admin@example.com, the email attribute too, and `groups` gains `admins`. */
export function evilEditAssertion(assertion: Element): void {
  const subject = child(assertion, NS.saml, 'Subject');
  setText(child(subject, NS.saml, 'NameID'), ADMIN);
  for (const a of descendants(assertion, NS.saml, 'Attribute')) {
    const name = a.getAttribute('Name');
    if (name === 'email') for (const v of children(a, NS.saml, 'AttributeValue')) setText(v, ADMIN);
    if (name === 'groups') {
      const v = a.ownerDocument!.createElementNS(NS.saml, 'saml:AttributeValue');
      v.setAttributeNS(NS.xsi, 'xsi:type', 'xs:string');
      v.appendChild(a.ownerDocument!.createTextNode('admins'));
      a.appendChild(v);
    }
  }
}

/** E(x): the top-level Assertion edited; signatures are not recomputed. */
export function E(xml: string): string {
  return edit(xml, (doc) => evilEditAssertion(assertionOf(doc)));
}

// ---------------------------------------------------------------------------------------------------------------
// Signing

export interface SignOptions {
  key: TestKey;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  canonicalizationAlgorithm?: string;
  /** Default [enveloped-signature, exc-c14n]. */
  transforms?: string[];
  /**
   * KeyInfo content: default X509Data with `key`'s certificate; a string is used verbatim (ds-prefixed markup);
   * null leaves KeyInfo out.
   */
  keyInfo?: string | null;
  /** Replace the computation of SignatureValue (HMAC, ECDSA with another key, …). */
  signWith?: (canonicalSignedInfo: string) => string;
  /** Element whose ID the Reference names; default: the signed element itself. xml-crypto XPath. */
  referenceXpath?: string;
  /** Reference URI="" (whole document). */
  emptyUri?: boolean;
  /** Further References (xml-crypto XPaths), each with the same transforms and digest. */
  extraReferenceXpaths?: string[];
  /** ds:Object elements appended to the Signature. */
  objects?: string[];
  /** Where the Signature goes; default: right after the signed element's Issuer. */
  location?: { reference: string; action: 'append' | 'prepend' | 'before' | 'after' };
}

const HASHES: Record<string, string> = {
  [ALG.sha1]: 'sha1',
  [ALG.sha256]: 'sha256',
  [ALG.sha384]: 'sha384',
  [ALG.sha512]: 'sha512',
  [ALG.md5]: 'md5',
  [ALG.evil]: 'sha256',
};

const RSA_SIGNATURES: Record<string, string> = {
  [ALG.rsaSha1]: 'RSA-SHA1',
  [ALG.rsaSha256]: 'RSA-SHA256',
  [ALG.rsaSha384]: 'RSA-SHA384',
  [ALG.rsaSha512]: 'RSA-SHA512',
  [ALG.rsaMd5]: 'RSA-MD5',
  [ALG.dsaSha1]: 'RSA-SHA1',
  [ALG.evil]: 'RSA-SHA256',
};

/** Transforms xml-crypto does not implement, registered as pass-through so a signature can name them. */
const PASS_THROUGH_TRANSFORMS = [ALG.xslt, ALG.xpath, ALG.xpathFilter2, ALG.base64, ALG.evil];

export function rsaSign(alg: string, data: string, privateKeyPem: string): string {
  return createSign(alg).update(data).sign(privateKeyPem, 'base64');
}

export function hmacSign(hash: string, data: string, key: Buffer | string): string {
  return createHmac(hash, key).update(data).digest('base64');
}

export function digest(alg: string, data: string): string {
  return createHash(HASHES[alg] ?? 'sha256').update(data).digest('base64');
}

function signer(opts: SignOptions): SignedXml {
  const signatureAlgorithm = opts.signatureAlgorithm ?? ALG.rsaSha256;
  const keyInfo = opts.keyInfo === undefined ? `<ds:X509Data><ds:X509Certificate>${opts.key.certBase64}</ds:X509Certificate></ds:X509Data>` : opts.keyInfo;
  const sig = new SignedXml({
    privateKey: opts.key.privateKeyPem,
    publicCert: opts.key.certificatePem,
    signatureAlgorithm,
    canonicalizationAlgorithm: opts.canonicalizationAlgorithm ?? ALG.excC14n,
    getKeyInfoContent: () => keyInfo,
    ...(opts.objects ? { objects: opts.objects.map((content) => ({ content })) } : {}),
  });
  const key = opts.key.privateKeyPem;
  const sign =
    opts.signWith ??
    ((data: string) => {
      const alg = RSA_SIGNATURES[signatureAlgorithm];
      if (!alg) throw new Error(`fixture: no signing rule for ${signatureAlgorithm}; pass signWith`);
      return rsaSign(alg, data, key);
    });
  sig.SignatureAlgorithms[signatureAlgorithm] = class {
    getSignature(data: string | Buffer) {
      return sign(String(data));
    }
    verifySignature() {
      return false;
    }
    getAlgorithmName() {
      return signatureAlgorithm;
    }
  } as never;
  for (const [uri, hash] of Object.entries(HASHES)) {
    sig.HashAlgorithms[uri] = class {
      getHash(xml: string) {
        return createHash(hash).update(xml, 'utf8').digest('base64');
      }
      getAlgorithmName() {
        return uri;
      }
    } as never;
  }
  for (const uri of PASS_THROUGH_TRANSFORMS) {
    sig.CanonicalizationAlgorithms[uri] = class {
      process(node: unknown) {
        return node;
      }
      getAlgorithmName() {
        return uri;
      }
    } as never;
  }
  return sig;
}

const byId = (id: string) => `//*[@ID='${id}']`;

/**
 * Signs the element with `ID=id` (enveloped signature placed right after its Issuer, or `opts.location`).
 * Returns the whole document.
 */
export function signElementXml(xml: string, id: string, opts: SignOptions): string {
  const sig = signer(opts);
  const transforms = opts.transforms ?? [ALG.enveloped, ALG.excC14n];
  const digestAlgorithm = opts.digestAlgorithm ?? ALG.sha256;
  sig.addReference({ xpath: opts.referenceXpath ?? byId(id), transforms, digestAlgorithm, ...(opts.emptyUri ? { isEmptyUri: true } : {}) });
  for (const x of opts.extraReferenceXpaths ?? []) sig.addReference({ xpath: x, transforms, digestAlgorithm });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: opts.location ?? { reference: `${byId(id)}/*[local-name()='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

export function idOf(xml: string, which: 'response' | 'assertion'): string {
  const doc = parseXml(xml);
  return (which === 'response' ? root(doc) : assertionOf(doc)).getAttribute('ID')!;
}

export function signAssertion(xml: string, opts: SignOptions): string {
  return signElementXml(xml, idOf(xml, 'assertion'), opts);
}

export function signResponse(xml: string, opts: SignOptions): string {
  return signElementXml(xml, idOf(xml, 'response'), opts);
}

/** G0 (both signed), G1 (assertion only) or G2 (response only) from an unsigned Response. */
export function signG(xml: string, which: 'G0' | 'G1' | 'G2', opts: SignOptions | { assertion: SignOptions; response: SignOptions }): string {
  const a = 'assertion' in opts ? opts.assertion : opts;
  const r = 'response' in opts ? opts.response : opts;
  let out = xml;
  if (which !== 'G2') out = signAssertion(out, a);
  if (which !== 'G1') out = signResponse(out, r);
  return out;
}

/**
 * Recomputes the SignatureValue of `signature` over its (edited) SignedInfo with exc-c14n: used to build
 * "the IdP's key signed this odd SignedInfo" inputs, so a rejection must come from the rule under test, not from a
 * broken signature.
 */
export function resignSignedInfo(signature: Element, opts: { key: TestKey; rsaAlg?: string; signWith?: (data: string) => string }): void {
  const signedInfo = child(signature, NS.ds, 'SignedInfo');
  const canon = new ExclusiveCanonicalization().process(signedInfo as never, {}) as unknown as string;
  const value = opts.signWith ? opts.signWith(canon) : rsaSign(opts.rsaAlg ?? 'RSA-SHA256', canon, opts.key.privateKeyPem);
  setText(child(signature, NS.ds, 'SignatureValue'), value);
}

/** Exclusive canonical form of an element (as digested by an enveloped exc-c14n reference, minus its Signature). */
export function excC14n(el: Element, withoutSignature = true): string {
  const clone = el.cloneNode(true) as Element;
  if (withoutSignature) removeSignature(clone);
  return new ExclusiveCanonicalization().process(clone as never, {}) as unknown as string;
}

// ---------------------------------------------------------------------------------------------------------------
// SAML Raider's XSW shapes (XSWHelpers), re-implemented from their description in the catalogue

/** XSW1: clone of the Response (no Signature) appended inside the Response Signature; the outer Response is evil. */
export function xsw1(xml: string): string {
  return edit(xml, (doc) => {
    const resp = root(doc);
    const clone = resp.cloneNode(true) as Element;
    removeSignature(clone);
    signatureOf(resp).appendChild(clone);
    resp.setAttribute('ID', '_evil_response_ID');
    evilEditAssertion(assertionOf(doc));
  });
}

/** XSW2: as XSW1 but the clone is a sibling before the Response Signature (detached style). */
export function xsw2(xml: string): string {
  return edit(xml, (doc) => {
    const resp = root(doc);
    const clone = resp.cloneNode(true) as Element;
    removeSignature(clone);
    resp.insertBefore(clone, signatureOf(resp));
    resp.setAttribute('ID', '_evil_response_ID');
    evilEditAssertion(assertionOf(doc));
  });
}

function evilClone(original: Element, id: string): Element {
  const clone = original.cloneNode(true) as Element;
  removeSignature(clone);
  clone.setAttribute('ID', id);
  evilEditAssertion(clone);
  return clone;
}

/** XSW3: evil unsigned Assertion inserted before the signed one. */
export function xsw3(xml: string): string {
  return edit(xml, (doc) => {
    const original = assertionOf(doc);
    root(doc).insertBefore(evilClone(original, '_evil_assertion_ID'), original);
  });
}

/** XSW4: the evil Assertion takes the original's place and holds the original signed Assertion as a child. */
export function xsw4(xml: string): string {
  return edit(xml, (doc) => {
    const resp = root(doc);
    const original = assertionOf(doc);
    const evil = evilClone(original, '_evil_assertion_ID');
    resp.replaceChild(evil, original);
    evil.appendChild(original);
  });
}

/** XSW5: first Assertion edited in place (keeps its Signature, new ID); an unsigned copy of the original appended. */
export function xsw5(xml: string): string {
  return edit(xml, (doc) => {
    const resp = root(doc);
    const first = assertionOf(doc);
    const copy = first.cloneNode(true) as Element;
    removeSignature(copy);
    first.setAttribute('ID', '_evil_assertion_ID');
    evilEditAssertion(first);
    resp.appendChild(copy);
  });
}

/** XSW6: first Assertion edited in place (new ID); an unsigned copy of the original inside its Signature. */
export function xsw6(xml: string): string {
  return edit(xml, (doc) => {
    const first = assertionOf(doc);
    const copy = first.cloneNode(true) as Element;
    removeSignature(copy);
    first.setAttribute('ID', '_evil_assertion_ID');
    evilEditAssertion(first);
    signatureOf(first).appendChild(copy);
  });
}

/** XSW7: an Extensions element before the Assertion holding an evil unsigned clone; the original stays. */
export function xsw7(xml: string): string {
  return edit(xml, (doc) => {
    const original = assertionOf(doc);
    const ext = doc.createElementNS(NS.samlp, 'samlp:Extensions');
    ext.appendChild(evilClone(original, '_evil_assertion_ID'));
    root(doc).insertBefore(ext, original);
  });
}

/** XSW8: first Assertion edited in place; a ds:Object inside its Signature holds an unsigned copy of the original. */
export function xsw8(xml: string): string {
  return edit(xml, (doc) => {
    const first = assertionOf(doc);
    const copy = first.cloneNode(true) as Element;
    removeSignature(copy);
    first.setAttribute('ID', '_evil_assertion_ID');
    evilEditAssertion(first);
    const object = doc.createElementNS(NS.ds, 'ds:Object');
    object.appendChild(copy);
    signatureOf(first).appendChild(object);
  });
}

/**
 * XSW10: Response Signature deleted; a clone of the Assertion Signature placed under the Response after its Issuer,
 * with a ds:Object holding a copy of the original Assertion; the real Assertion gets ID+"ffff", loses its
 * Signature, and is edited.
 */
export function xsw10(xml: string): string {
  return edit(xml, (doc) => {
    const resp = root(doc);
    removeSignature(resp);
    const assertion = assertionOf(doc);
    const sigClone = signatureOf(assertion).cloneNode(true) as Element;
    const copy = assertion.cloneNode(true) as Element;
    removeSignature(copy);
    const object = doc.createElementNS(NS.ds, 'ds:Object');
    object.appendChild(copy);
    sigClone.appendChild(object);
    insertAfter(sigClone, child(resp, NS.saml, 'Issuer'));
    assertion.setAttribute('ID', `${assertion.getAttribute('ID')}ffff`);
    removeSignature(assertion);
    evilEditAssertion(assertion);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Transport

export function b64(xml: string | Buffer): string {
  return Buffer.from(xml).toString('base64');
}
