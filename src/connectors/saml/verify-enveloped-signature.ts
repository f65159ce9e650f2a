import { createHash } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { ErrorCode } from '../../errors/catalog.js';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { childElements, elementText } from '../../xml/parse-untrusted-xml.js';
import type { PinnedCertificate } from './pinned-certificates.js';
import { DIGEST_ALGORITHMS, ENVELOPED_SIGNATURE, EXC_C14N, NS, SIGNATURE_ALGORITHMS } from './saml-names.js';

const ELEMENT = 1;
const TEXT = 3;
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

export interface VerifiedSignature {
  /** The exclusive-canonical bytes the signature covers: the only text identity may be read from (rule 0.4.1). */
  canonicalXml: string;
  /** The pinned certificate that verified it. */
  certificate: PinnedCertificate;
  signatureAlgorithm: string;
}

/**
 * Verifies the enveloped signature `sig` of `signed` (a Response or an Assertion) in the document text `xml`.
 *
 * xml-crypto answers "some reference verified"; a SAML signature must be narrower, so its shape is checked here
 * first, on the one tree Gatehouse parsed: exactly one Reference, pointing at the ID of the Signature's own parent
 * (SP-SIG-05/06, XSW), only allow-listed algorithms and transforms (SP-ALG-*, SP-SIG-10/11), no ds:Object (XSW8).
 * Only pinned certificates are tried; KeyInfo is never a trust anchor (SP-KEY-01..05).
 */
export function verifyEnvelopedSignature(xml: string, signed: Element, sig: Element, pinned: readonly PinnedCertificate[]): VerifiedSignature {
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
  if (!BASE64.test(elementText(signatureValue, 'SAML_SIG_INVALID'))) throw reject('SAML_SIG_INVALID', `the ${what} SignatureValue is empty or not base64`);

  const usable = pinned.filter((c) => c.keyType === SIGNATURE_ALGORITHMS[signatureAlgorithm]!.keyType);
  if (usable.length === 0) throw reject('SAML_NO_TRUST', 'no pinned certificate has a key for this signature algorithm', 'pin the IdP signing certificate (import its metadata)');

  let wrongKey: Error | undefined;
  for (const cert of usable) {
    const verifier = new SignedXml({ publicCert: cert.publicKey, getCertFromKeyInfo: () => null });
    // Belt and braces: the instance knows only the allow-listed algorithms, whatever the checks above let through.
    verifier.SignatureAlgorithms = pick(verifier.SignatureAlgorithms, Object.keys(SIGNATURE_ALGORITHMS));
    verifier.HashAlgorithms = pick(verifier.HashAlgorithms, [...DIGEST_ALGORITHMS]);
    verifier.CanonicalizationAlgorithms = pick(verifier.CanonicalizationAlgorithms, [EXC_C14N, ENVELOPED_SIGNATURE]);
    let ok: boolean;
    try {
      verifier.loadSignature(sig);
      ok = verifier.checkSignature(xml);
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      if (message.includes('signature value')) {
        wrongKey = e as Error;
        continue; // SignedInfo does not verify with this certificate; try the next pinned one (rotation, SP-KEY-06)
      }
      if (message.includes('same value for the ID')) throw reject('SAML_DUPLICATE_ID', `xml-crypto: ${message}`);
      throw reject('SAML_SIG_INVALID', `the ${what} signature could not be checked: ${message.slice(0, 200)}`);
    }
    // false: the SignedInfo was never reached because a digest differs, i.e. the signed content was changed.
    if (!ok) throw reject('SAML_SIG_INVALID', `the ${what} was modified after it was signed (digest mismatch)`);
    const refs = verifier.getSignedReferences();
    if (refs.length !== 1) throw reject('SAML_SIG_SCOPE', `the ${what} signature verified ${refs.length} references`);
    return { canonicalXml: refs[0]!, certificate: cert, signatureAlgorithm };
  }
  const offered = keyInfoFingerprint(keyInfo);
  throw new GatehouseError('SAML_SIG_INVALID', {
    detail: `the ${what} signature does not verify with any pinned certificate (pinned SHA-256: ${usable.map((c) => c.sha256Fingerprint).join(', ')})${offered ? `; the message says it was signed by a certificate with SHA-256 fingerprint ${offered}, which is not pinned` : ''}`,
    hint: 'if the IdP rotated its signing key, add its new certificate to idp_public_certs (or import its metadata again)',
    cause: wrongKey,
  });
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
  algorithms.forEach((a) => {
    if (a !== ENVELOPED_SIGNATURE) checkCanonicalization(a, 'Transform');
  });
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

function pick<T>(table: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.filter((k) => k in table).map((k) => [k, table[k]!]));
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
