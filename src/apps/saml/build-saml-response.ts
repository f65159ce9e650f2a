import { createHash, randomFillSync, sign, type KeyObject } from 'node:crypto';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { CanonicalXmlWriter, escapeXml11LineEnds } from './canonical-xml-writer.js';

export interface SamlSigningKey {
  /** node:crypto key, parsed once by the caller. */
  privateKey: KeyObject;
  /** DER certificate as base64, no PEM armour. Informational only: SPs pin the certificate from metadata. */
  certificateBase64: string;
}

export interface SamlAttribute {
  name: string;
  nameFormat?: string;
  friendlyName?: string;
  values: string[];
}

export interface SamlResponseInput {
  /** IdP entity ID (our SSO endpoint URL). */
  issuer: string;
  /** Registered ACS URL; also SubjectConfirmationData/@Recipient. */
  destination: string;
  /** The SP entity ID. */
  audience: string;
  /** Omitted for IdP-initiated SSO. */
  inResponseTo?: string;
  nameId: string;
  /** Full URN. */
  nameIdFormat: string;
  sessionIndex: string;
  authnInstant: Date;
  sessionNotOnOrAfter: Date;
  /** Default urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified. */
  authnContextClassRef?: string;
  attributes: SamlAttribute[];
  now: Date;
  /** Assertion lifetime, 1..300 s (IDP-RESP-03); default 300. NotBefore is now - 60 s for clock skew. */
  validitySeconds?: number;
  key: SamlSigningKey;
}

export interface SamlErrorResponseInput {
  issuer: string;
  destination: string;
  inResponseTo?: string;
  /** Top-level status, e.g. urn:oasis:names:tc:SAML:2.0:status:Responder. */
  statusCode: string;
  /** Second-level status, e.g. urn:oasis:names:tc:SAML:2.0:status:NoPassive. */
  subStatusCode?: string;
  message?: string;
  now: Date;
  key: SamlSigningKey;
}

const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
} as const;
const DS = { ds: 'http://www.w3.org/2000/09/xmldsig#' } as const;
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const AC_UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified';
const SKEW_SECONDS = 60;

/**
 * Builds a SAML Response with a signed Assertion inside a signed Response (IDP-RESP-02), without a DOM or a
 * generic signer: the writer emits exclusive-canonical XML, so each digest is a hash of bytes already written
 * and each SignedInfo is signed as written. The Assertion is digested before its Signature goes in (that is what
 * the enveloped-signature transform removes); the Response is digested with the signed Assertion inside.
 */
export function buildSignedSamlResponse(input: SamlResponseInput): string {
  const validity = input.validitySeconds ?? 300;
  if (!Number.isInteger(validity) || validity < 1 || validity > 300) throw internal(`validitySeconds ${validity} is outside 1..300`);
  if (input.nameId.length === 0) throw new GatehouseError('APP_IDENTITY_UNUSABLE', { detail: 'the NameID value is empty' });
  const now = input.now.getTime();
  const issueInstant = xsDateTime(input.now);
  const notBefore = xsDateTime(new Date(now - SKEW_SECONDS * 1000));
  const notOnOrAfter = xsDateTime(new Date(now + validity * 1000));
  const responseId = newId();
  const assertionId = newId();

  const w = new CanonicalXmlWriter(NS);
  w.open('samlp:Response', { Destination: input.destination, ID: responseId, InResponseTo: input.inResponseTo, IssueInstant: issueInstant, Version: '2.0' });
  w.leaf('saml:Issuer', {}, input.issuer);
  const responseSignatureAt = w.length;
  w.open('samlp:Status').leaf('samlp:StatusCode', { Value: SUCCESS }).close();
  let assertionSignatureAt = 0;
  const assertion = w.isolated(() => {
    w.open('saml:Assertion', { ID: assertionId, IssueInstant: issueInstant, Version: '2.0' });
    w.leaf('saml:Issuer', {}, input.issuer);
    assertionSignatureAt = w.length;
    w.open('saml:Subject');
    w.leaf('saml:NameID', { Format: input.nameIdFormat }, input.nameId);
    w.open('saml:SubjectConfirmation', { Method: BEARER });
    w.leaf('saml:SubjectConfirmationData', { InResponseTo: input.inResponseTo, NotOnOrAfter: notOnOrAfter, Recipient: input.destination });
    w.close().close();
    w.open('saml:Conditions', { NotBefore: notBefore, NotOnOrAfter: notOnOrAfter });
    w.open('saml:AudienceRestriction').leaf('saml:Audience', {}, input.audience).close();
    w.close();
    w.open('saml:AuthnStatement', { AuthnInstant: xsDateTime(input.authnInstant), SessionIndex: input.sessionIndex, SessionNotOnOrAfter: xsDateTime(input.sessionNotOnOrAfter) });
    w.open('saml:AuthnContext').leaf('saml:AuthnContextClassRef', {}, input.authnContextClassRef ?? AC_UNSPECIFIED).close();
    w.close();
    // The schema requires at least one Attribute inside an AttributeStatement.
    if (input.attributes.length > 0) {
      w.open('saml:AttributeStatement');
      for (const a of input.attributes) {
        // No xsi:type: SPs read the text, and an xsi:type would need the xs/xsi namespaces in the c14n output.
        w.open('saml:Attribute', { FriendlyName: a.friendlyName, Name: a.name, NameFormat: a.nameFormat });
        for (const v of a.values) w.leaf('saml:AttributeValue', {}, v);
        w.close();
      }
      w.close();
    }
    w.close();
  });
  w.close();
  const unsigned = w.toString();

  const assertionXml = unsigned.slice(assertion.start, assertion.end);
  const cut = assertionSignatureAt - assertion.start;
  const signedAssertion = assertionXml.slice(0, cut) + signature(assertionXml, assertionId, input.key) + assertionXml.slice(cut);
  const response = unsigned.slice(0, assertion.start) + signedAssertion + unsigned.slice(assertion.end);
  return insertSignature(response, responseSignatureAt, responseId, input.key);
}

/** A signed Response without an Assertion, for SAML error answers (e.g. Responder/NoPassive, IDP-REQ-10). */
export function buildSamlErrorResponse(input: SamlErrorResponseInput): string {
  const responseId = newId();
  const w = new CanonicalXmlWriter(NS);
  w.open('samlp:Response', { Destination: input.destination, ID: responseId, InResponseTo: input.inResponseTo, IssueInstant: xsDateTime(input.now), Version: '2.0' });
  w.leaf('saml:Issuer', {}, input.issuer);
  const signatureAt = w.length;
  w.open('samlp:Status').open('samlp:StatusCode', { Value: input.statusCode });
  if (input.subStatusCode !== undefined) w.leaf('samlp:StatusCode', { Value: input.subStatusCode });
  w.close();
  if (input.message !== undefined) w.leaf('samlp:StatusMessage', {}, input.message);
  w.close().close();
  return insertSignature(w.toString(), signatureAt, responseId, input.key);
}

/** Signs the outermost element and returns the message as sent. */
function insertSignature(xml: string, at: number, id: string, key: SamlSigningKey): string {
  return escapeXml11LineEnds(xml.slice(0, at) + signature(xml, id, key) + xml.slice(at));
}

/**
 * The enveloped ds:Signature over `canonical` (the referenced element's exc-c14n bytes, signature excluded).
 * SignedInfo is written twice: on its own, where c14n declares xmlns:ds on it (the bytes that are signed), and
 * inside ds:Signature, where the parent already declared it.
 */
function signature(canonical: string, id: string, key: SamlSigningKey): string {
  const digest = createHash('sha256').update(canonical, 'utf8').digest('base64');
  const signedInfo = writeSignedInfo(new CanonicalXmlWriter(DS), id, digest).toString();
  const value = sign('sha256', Buffer.from(signedInfo, 'utf8'), key.privateKey).toString('base64');
  const w = new CanonicalXmlWriter(DS).open('ds:Signature');
  writeSignedInfo(w, id, digest);
  w.leaf('ds:SignatureValue', {}, value);
  w.open('ds:KeyInfo').open('ds:X509Data').leaf('ds:X509Certificate', {}, key.certificateBase64).close().close();
  return w.close().toString();
}

function writeSignedInfo(w: CanonicalXmlWriter, id: string, digest: string): CanonicalXmlWriter {
  w.open('ds:SignedInfo');
  w.leaf('ds:CanonicalizationMethod', { Algorithm: EXC_C14N });
  w.leaf('ds:SignatureMethod', { Algorithm: RSA_SHA256 });
  w.open('ds:Reference', { URI: `#${id}` });
  w.open('ds:Transforms').leaf('ds:Transform', { Algorithm: ENVELOPED }).leaf('ds:Transform', { Algorithm: EXC_C14N }).close();
  w.leaf('ds:DigestMethod', { Algorithm: SHA256 });
  w.leaf('ds:DigestValue', {}, digest);
  return w.close().close();
}

const ID_BYTES = 20;
const idPool = Buffer.alloc(ID_BYTES * 128);
let idPoolAt = idPool.length;

/**
 * `_` + 160 random bits: unpredictable, and an NCName as xs:ID requires. The bits come from node:crypto's CSPRNG
 * (the generator behind randomBytes) in 2.5 KiB refills: a sync randomBytes call costs 10-20 µs after an RSA
 * operation, ~5% of a response. Unused IDs in memory are no secret worth more than the signing key beside them.
 */
function newId(): string {
  if (idPoolAt + ID_BYTES > idPool.length) {
    randomFillSync(idPool);
    idPoolAt = 0;
  }
  const id = `_${idPool.toString('hex', idPoolAt, idPoolAt + ID_BYTES)}`;
  idPoolAt += ID_BYTES;
  return id;
}

/** xs:dateTime in UTC, whole seconds. Truncating moves every bound earlier, never later. */
function xsDateTime(d: Date): string {
  const t = d.getTime();
  if (!Number.isFinite(t) || t < 0 || t >= 253402300800000) throw internal(`time ${String(d)} cannot be written as xs:dateTime`);
  return `${d.toISOString().slice(0, 19)}Z`;
}

function internal(detail: string): GatehouseError {
  return new GatehouseError('INTERNAL', { detail: `SAML response: ${detail}` });
}
