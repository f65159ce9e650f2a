import { createHash, verify } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import type { ErrorCode } from '../../errors/catalog.js';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { childElements, elementText } from '../../xml/parse-untrusted-xml.js';
import type { PinnedCertificate } from './pinned-certificates.js';
import { DIGEST_ALGORITHMS, ENVELOPED_SIGNATURE, EXC_C14N, NS, SIGNATURE_ALGORITHMS } from './saml-names.js';

const ELEMENT = 1;
const TEXT = 3;
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const DIGEST_HASH: Readonly<Record<string, string>> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};
const SIGNATURE_HASH: Readonly<Record<string, string>> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
};

export interface VerifiedSignature {
  /** The exclusive-canonical bytes the signature covers: the only text identity may be read from (rule 0.4.1). */
  canonicalXml: string;
  /** The pinned certificate that verified it. */
  certificate: PinnedCertificate;
  signatureAlgorithm: string;
}

/**
 * Verifies the enveloped signature `sig` of `signed` (a Response or an Assertion).
 *
 * A SAML signature is a narrow case of XML-DSig, and it is verified as exactly that case on the one tree Gatehouse
 * parsed: the shape is checked first (exactly one Reference, pointing at the ID of the Signature's own parent
 * (SP-SIG-05/06, XSW); only allow-listed algorithms and transforms (SP-ALG-*, SP-SIG-10/11); no ds:Object
 * (XSW8)), then the digest of the canonical element and the signature over the canonical SignedInfo are checked
 * with node:crypto against pinned certificates only; KeyInfo is never a trust anchor (SP-KEY-01..05).
 *
 * Why not xml-crypto's SignedXml.checkSignature: it re-parses the document text with its own parser settings
 * (a second parse, rule 0.4.1), locates references with document-wide XPath on attacker-controlled input, and
 * that XPath work made validation about 70 times slower than the two RSA verifications it needs (npm run bench).
 * Its exclusive canonicalizer is used as is; differential tests check both give the same verdicts.
 */
export function verifyEnvelopedSignature(signed: Element, sig: Element, pinned: readonly PinnedCertificate[]): VerifiedSignature {
  const what = signed.localName;
  const id = signed.getAttribute('ID') ?? '';
  if (!NCNAME.test(id)) throw reject('SAML_STRUCTURE', `${what} ID ${JSON.stringify(id.slice(0, 80))} is not an XML NCName`);

  const parts = elementChildren(sig, `${what} Signature`);
  const [signedInfo, signatureValue, keyInfo, ...rest] = parts;
  if (parts.some((e) => e.namespaceURI === NS.ds && e.localName === 'Object')) throw reject('SAML_WRAPPING', `the ${what} signature contains a ds:Object`);
  if (!is(signedInfo, 'SignedInfo') || !is(signatureValue, 'SignatureValue') || (keyInfo && !is(keyInfo, 'KeyInfo')) || rest.length > 0) {
    throw reject('SAML_SIG_INVALID', `the ${what} signature must be SignedInfo, SignatureValue and an optional KeyInfo, in that order; it has ${parts.map((e) => e.localName).join(', ')}`);
  }

  const info = elementChildren(signedInfo, 'SignedInfo');
  const [c14n, method, ...references] = info;
  if (!is(c14n, 'CanonicalizationMethod') || !is(method, 'SignatureMethod') || references.some((r) => !is(r, 'Reference'))) {
    throw reject('SAML_SIG_INVALID', `SignedInfo of the ${what} signature has an unexpected shape: ${info.map((e) => e.localName).join(', ')}`);
  }
  checkCanonicalization(c14n.getAttribute('Algorithm'), 'CanonicalizationMethod');
  if (elementChildren(c14n, 'CanonicalizationMethod').length > 0) throw reject('SAML_C14N_NOT_ALLOWED', 'CanonicalizationMethod has child elements');
  const signatureAlgorithm = method.getAttribute('Algorithm') ?? '';
  if (!(signatureAlgorithm in SIGNATURE_ALGORITHMS)) {
    throw reject('SAML_ALG_NOT_ALLOWED', `SignatureMethod ${signatureAlgorithm.slice(0, 100)} is not allowed`, 'Gatehouse accepts RSA-SHA256 and RSA-SHA512 only; set the IdP to sign with SHA-256');
  }
  // HMACOutputLength and friends: parameters the allowed methods never take (SP-ALG-05).
  if (elementChildren(method, 'SignatureMethod').length > 0) throw reject('SAML_ALG_NOT_ALLOWED', 'SignatureMethod carries parameters');
  if (references.length !== 1) throw reject('SAML_SIG_SCOPE', `the ${what} signature has ${references.length} References; exactly one is required`);
  const reference = references[0]!;
  if (reference.getAttribute('URI') !== `#${id}`) {
    throw reject('SAML_SIG_SCOPE', `the ${what} signature references ${JSON.stringify((reference.getAttribute('URI') ?? '(none)').slice(0, 100))}, not its own ${what} #${id}`);
  }
  checkReference(reference);

  const usable = pinned.filter((c) => c.keyType === SIGNATURE_ALGORITHMS[signatureAlgorithm]!.keyType);
  if (usable.length === 0) throw reject('SAML_NO_TRUST', 'no pinned certificate has a key for this signature algorithm', 'pin the IdP signing certificate (import its metadata)');

  const transforms = childElements(reference, NS.ds, 'Transforms')[0]!;
  const prefixList = inclusivePrefixes(transforms);
  const digestAlgorithm = childElements(reference, NS.ds, 'DigestMethod')[0]!.getAttribute('Algorithm')!;
  const expectedDigest = strictBase64(elementText(childElements(reference, NS.ds, 'DigestValue')[0]!, 'SAML_SIG_INVALID'), 'DigestValue');
  const signatureBytes = strictBase64(elementText(signatureValue, 'SAML_SIG_INVALID'), 'SignatureValue');

  // The reference: the signed element itself (its ID is unique, checked by the caller), with its own Signature
  // removed (enveloped-signature), in exclusive canonical form. Computed on a clone of the one parsed tree, so
  // what is digested is exactly the tree the caller reads structure from; nothing is parsed a second way.
  const canonicalXml = canonicalize(signed, sig, prefixList);
  const digest = createHash(DIGEST_HASH[digestAlgorithm]!).update(canonicalXml, 'utf8').digest();
  if (!digest.equals(expectedDigest)) throw reject('SAML_SIG_INVALID', `the ${what} was modified after it was signed (digest mismatch)`);

  const signedInfoXml = canonicalize(signedInfo, undefined, []);
  const hash = SIGNATURE_HASH[signatureAlgorithm]!;
  for (const cert of usable) {
    if (verify(hash, Buffer.from(signedInfoXml, 'utf8'), cert.publicKey, signatureBytes)) return { canonicalXml, certificate: cert, signatureAlgorithm };
  }
  const offered = keyInfoFingerprint(keyInfo);
  throw new GatehouseError('SAML_SIG_INVALID', {
    detail: `the ${what} signature does not verify with any pinned certificate (pinned SHA-256: ${usable.map((c) => c.sha256Fingerprint).join(', ')})${offered ? `; the message says it was signed by a certificate with SHA-256 fingerprint ${offered}, which is not pinned` : ''}`,
    hint: 'if the IdP rotated its signing key, add its new certificate to idp_public_certs (or import its metadata again)',
  });
}

/**
 * Exclusive XML canonicalization (without comments) of `el`, minus its enveloped `signature` child, by
 * xml-crypto's canonicalizer. Skipping the Signature while rendering equals removing it first (its neighbours stay),
 * and leaves the caller's tree as parsed. With a PrefixList the canonicalizer declares namespaces on the element
 * it is given, so that rare case works on a clone.
 */
function canonicalize(el: Element, signature: Element | undefined, prefixList: string[]): string {
  const c14n = new EnvelopedExclusiveCanonicalization(signature);
  if (prefixList.length === 0) return c14n.process(el as never, { inclusiveNamespacesPrefixList: [], ancestorNamespaces: [] });
  const clone = el.cloneNode(true) as Element;
  const index = signature ? indexOf(el, signature) : -1;
  c14n.skip = index >= 0 ? clone.childNodes.item(index) : undefined;
  return c14n.process(clone as never, { inclusiveNamespacesPrefixList: prefixList, ancestorNamespaces: namespacesInScope(el) });
}

class EnvelopedExclusiveCanonicalization extends ExclusiveCanonicalization {
  constructor(public skip: unknown) {
    super();
  }

  override processInner(node: unknown, prefixesInScope: unknown, defaultNs: unknown, defaultNsForPrefix: unknown, inclusive: string[]): string {
    return node === this.skip ? '' : super.processInner(node, prefixesInScope, defaultNs, defaultNsForPrefix, inclusive);
  }
}

function indexOf(parent: Element, child: Element): number {
  for (let i = 0; i < parent.childNodes.length; i++) if (parent.childNodes.item(i) === child) return i;
  return -1;
}

/** exc-c14n's InclusiveNamespaces PrefixList of the Reference's canonicalization transform, if any. */
function inclusivePrefixes(transforms: Element): string[] {
  for (const t of childElements(transforms, NS.ds, 'Transform')) {
    const list = childElements(t, EXC_C14N, 'InclusiveNamespaces')[0]?.getAttribute('PrefixList');
    if (list) return list.split(/\s+/).filter((p) => p.length > 0);
  }
  return [];
}

/** Namespace declarations in scope at `el` from its ancestors (nearest wins), for PrefixList rendering. */
function namespacesInScope(el: Element): Array<{ prefix: string; namespaceURI: string }> {
  const seen = new Map<string, string>();
  for (let n = el.parentNode; n && n.nodeType === ELEMENT; n = n.parentNode) {
    const attrs = (n as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i)!;
      if (a.prefix === 'xmlns' && !seen.has(a.localName!)) seen.set(a.localName!, a.value);
    }
  }
  return [...seen].map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

function strictBase64(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  const bytes = Buffer.from(compact, 'base64');
  if (compact.length === 0 || bytes.toString('base64') !== compact) throw reject('SAML_SIG_INVALID', `${what} is empty or not canonical base64`);
  return bytes;
}

function checkReference(reference: Element): void {
  const parts = elementChildren(reference, 'Reference');
  const [transforms, digestMethod, digestValue, ...rest] = parts;
  if (!is(transforms, 'Transforms')) throw reject('SAML_TRANSFORM_NOT_ALLOWED', 'the Reference has no Transforms (the enveloped-signature transform is required)');
  if (!is(digestMethod, 'DigestMethod') || !is(digestValue, 'DigestValue') || rest.length > 0) {
    throw reject('SAML_SIG_INVALID', `the Reference has an unexpected shape: ${parts.map((e) => e.localName).join(', ')}`);
  }
  const algorithms = elementChildren(transforms, 'Transforms').map((t) => {
    if (!is(t, 'Transform')) throw reject('SAML_TRANSFORM_NOT_ALLOWED', `Transforms contains ${(t as Element).localName}`);
    const algorithm = t.getAttribute('Algorithm') ?? '';
    for (const child of elementChildren(t, 'Transform')) {
      // The only parameter an allowed transform takes is exc-c14n's InclusiveNamespaces; XPath, XSLT and the
      // like are refused before anything could evaluate them (SP-SIG-10).
      if (!(algorithm === EXC_C14N && child.namespaceURI === EXC_C14N && child.localName === 'InclusiveNamespaces')) {
        throw reject('SAML_TRANSFORM_NOT_ALLOWED', `Transform ${algorithm.slice(0, 100)} carries ${child.localName}`);
      }
    }
    return algorithm;
  });
  for (const a of algorithms) {
    // Comment-keeping canonicalization is its own refusal (SP-SIG-11); anything else unknown is a transform.
    if (a.endsWith('#WithComments')) throw reject('SAML_C14N_NOT_ALLOWED', `Transform ${a.slice(0, 100)} keeps comments; only exclusive c14n without comments`);
    if (a !== ENVELOPED_SIGNATURE && a !== EXC_C14N) throw reject('SAML_TRANSFORM_NOT_ALLOWED', `Transform ${a.slice(0, 100)} is not allowed; allowed: enveloped-signature, then optionally exc-c14n`);
  }
  const allowed = algorithms.length === 1 ? algorithms[0] === ENVELOPED_SIGNATURE : algorithms.length === 2 && algorithms[0] === ENVELOPED_SIGNATURE && algorithms[1] === EXC_C14N;
  if (!allowed) throw reject('SAML_TRANSFORM_NOT_ALLOWED', `Transforms are [${algorithms.join(', ').slice(0, 300)}]; allowed: enveloped-signature, then optionally exc-c14n`);
  const digest = digestMethod.getAttribute('Algorithm') ?? '';
  if (!DIGEST_ALGORITHMS.has(digest)) throw reject('SAML_ALG_NOT_ALLOWED', `DigestMethod ${digest.slice(0, 100)} is not allowed`, 'set the IdP to use SHA-256 digests');
}

function checkCanonicalization(algorithm: string | null, where: string): void {
  if (algorithm === EXC_C14N) return;
  // Comments kept in canonical form would let a comment split a value the reader sees whole (SP-SIG-11).
  throw reject('SAML_C14N_NOT_ALLOWED', `${where} ${String(algorithm).slice(0, 100)} is not allowed; only exclusive c14n without comments`);
}

/** Element children, refusing text other than whitespace between them (a signature is structure only). */
function elementChildren(el: Element, what: string): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT) out.push(c as Element);
    else if (c.nodeType === TEXT && !/^\s*$/.test((c as unknown as { data: string }).data)) throw reject('SAML_SIG_INVALID', `${what} contains text`);
  }
  return out;
}

function is(el: Element | undefined, local: string): el is Element {
  return el !== undefined && el.namespaceURI === NS.ds && el.localName === local;
}

/** For the admin's hint only: which certificate the message claims. Never used to verify anything. */
function keyInfoFingerprint(keyInfo: Element | undefined): string | undefined {
  if (!keyInfo) return undefined;
  const data = childElements(keyInfo, NS.ds, 'X509Data')[0];
  const cert = data && childElements(data, NS.ds, 'X509Certificate')[0];
  if (!cert) return undefined;
  try {
    const der = Buffer.from(elementText(cert).replace(/\s+/g, ''), 'base64');
    return fingerprintOf(der);
  } catch {
    return undefined;
  }
}

function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

function reject(code: ErrorCode, detail: string, hint?: string): GatehouseError {
  return new GatehouseError(code, { detail, ...(hint ? { hint } : {}) });
}
