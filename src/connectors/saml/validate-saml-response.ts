import type { Element } from '@xmldom/xmldom';
import type { ErrorCode } from '../../errors/catalog.js';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { childElements, elementText, optionalChild, parseUntrustedXml } from '../../xml/parse-untrusted-xml.js';
import type { PinnedCertificate } from './pinned-certificates.js';
import { parseSamlTime } from './saml-time.js';
import { BEARER, ENTITY_FORMAT, NS, SAML_SUCCESS } from './saml-names.js';
import { verifyEnvelopedSignature } from './verify-enveloped-signature.js';

/** Decoded size cap of a SAMLResponse. Responses with many attributes stay far below it. */
export const SAML_RESPONSE_MAX_BYTES = 256 * 1024;
/** How old a response may be when it arrives: generous for slow users, short for replays. */
const MAX_RESPONSE_AGE_MS = 10 * 60_000;
/** How long ago the IdP may have authenticated the user (its own session); Cloudflare's default session length. */
const MAX_AUTHN_AGE_MS = 24 * 3600_000;
const MAX_NAMEID = 256;
const ELEMENT = 1;
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

export interface SamlResponseExpectations {
  /** The login method's issuer_url: Issuer of the assertion (and of the Response when it names one). */
  idpIssuer: string;
  /** Gatehouse's ACS: Destination and Recipient. */
  acsUrl: string;
  /** Gatehouse's SP entity ID: the Audience. */
  spEntityId: string;
  /** ID of the AuthnRequest this browser's transaction sent: InResponseTo. */
  requestId: string;
  pinned: readonly PinnedCertificate[];
  now: Date;
  skewMs: number;
}

export interface VerifiedSamlResponse {
  assertionId: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | undefined;
  /** Attribute values by Name, from the verified assertion only. */
  attributes: Record<string, string[]>;
  authnInstant: Date;
  sessionNotOnOrAfter: Date | undefined;
  authnContextClassRef: string | undefined;
  /** Until when the assertion ID must stay in the replay cache. */
  replayUntil: Date;
  /** Which pinned certificate verified the message (logged on every acceptance, SP-KEY-06). */
  certificateFingerprint: string;
  signed: 'response' | 'assertion' | 'both';
}

/**
 * Validates a SAML Response from an upstream IdP (catalogue §1 and §2) and returns what it asserts.
 *
 * One hardened parse of the message; structure checks on that tree (one Assertion, no wrapping, unique IDs,
 * signatures only where they belong); signature verification with pinned certificates; then every identity and
 * protocol value is read from the canonical bytes the signature covered, re-parsed by the same parser
 * (rule 0.4.1). The unsigned Response envelope of an assertion-signed message is still checked (SP-SIG-09), but
 * nothing about the user comes from it.
 */
export function validateSamlResponse(xml: string, expect: SamlResponseExpectations): VerifiedSamlResponse {
  const doc = parseUntrustedXml(xml, { maxBytes: SAML_RESPONSE_MAX_BYTES });
  const root = doc.documentElement!;
  if (!isSaml(root, NS.samlp, 'Response')) throw reject('SAML_STRUCTURE', `the message is a {${root.namespaceURI}}${root.localName}, not a samlp:Response`);

  const assertions = childElements(root, NS.saml, 'Assertion');
  const encrypted = childElements(root, NS.saml, 'EncryptedAssertion');
  if (assertions.length + encrypted.length > 1) throw reject('SAML_MULTIPLE_ASSERTIONS', `the Response carries ${assertions.length + encrypted.length} assertions; exactly one is allowed`);
  checkShape(root, assertions[0] ?? encrypted[0]);
  if (encrypted.length > 0) {
    throw reject('SAML_ENCRYPTION_NOT_ENABLED', 'the Response carries an EncryptedAssertion; Gatehouse does not accept encrypted assertions', 'turn off assertion encryption for Gatehouse at the IdP');
  }
  const assertion = assertions[0];
  if (!assertion) {
    checkStatus(root);
    throw reject('SAML_STRUCTURE', 'the Response reports success but carries no assertion');
  }

  const responseSig = optionalChild(root, NS.ds, 'Signature', 'SAML_SIG_SCOPE');
  const assertionSig = optionalChild(assertion, NS.ds, 'Signature', 'SAML_SIG_SCOPE');
  if (!responseSig && !assertionSig) {
    // An unsigned error answer (user cancelled, IdP refused) is reported as such; it asserts nothing anyway.
    checkStatus(root);
    throw reject('SAML_UNSIGNED', 'neither the Response nor the Assertion is signed', 'configure the IdP to sign the assertion (IAM Identity Center does by default)');
  }

  let envelope: Element = root;
  let verifiedAssertion: Element | undefined;
  let certificateFingerprint = '';
  if (responseSig) {
    const v = verifyEnvelopedSignature(root, responseSig, expect.pinned);
    envelope = reparse(v.canonicalXml);
    certificateFingerprint = v.certificate.sha256Fingerprint;
    const inside = childElements(envelope, NS.saml, 'Assertion');
    if (inside.length !== 1) throw reject('SAML_MULTIPLE_ASSERTIONS', `the signed Response carries ${inside.length} assertions`);
    verifiedAssertion = inside[0];
  }
  if (assertionSig) {
    const v = verifyEnvelopedSignature(assertion, assertionSig, expect.pinned);
    verifiedAssertion = reparse(v.canonicalXml);
    certificateFingerprint ||= v.certificate.sha256Fingerprint;
  }
  checkEnvelope(envelope, expect);
  return {
    ...readAssertion(verifiedAssertion!, expect),
    certificateFingerprint,
    signed: responseSig && assertionSig ? 'both' : responseSig ? 'response' : 'assertion',
  };
}

/**
 * Whole-document structure, before any cryptography: the shapes signature wrapping needs are refused outright
 * (XSW1-10, SP-WRAP-*), so that what is verified and what is read can only be the same element.
 */
function checkShape(root: Element, assertion: Element | undefined): void {
  const ids = new Map<string, string>();
  let wrapping: string | undefined;
  let structure: string | undefined;
  let duplicate: string | undefined;
  let misplacedSignature: string | undefined;
  const stack: Array<[Element, boolean]> = [[root, false]];
  while (stack.length > 0) {
    const [el, inExtensions] = stack.pop()!;
    const ns = el.namespaceURI;
    const name = el.localName ?? el.nodeName;
    if (el !== root && el !== assertion) {
      if ((ns === NS.saml && (name === 'Assertion' || name === 'EncryptedAssertion')) || (ns === NS.samlp && name === 'Response')) {
        // An assertion tucked into Extensions is a schema violation; anywhere else it is a wrapping attempt.
        if (inExtensions) structure ??= `a ${name} is nested inside samlp:Extensions`;
        else wrapping ??= `a ${name} is nested inside ${(el.parentNode as Element).localName}`;
      }
    }
    if (ns === NS.ds && name === 'Object') wrapping ??= 'the message contains a ds:Object';
    // Only the schema's children, by namespace and name: an element that looks like an Assertion or a Signature
    // in another namespace is not ignored quietly, it makes the message malformed (XML-10).
    const parent = el.parentNode as Element | null;
    if (parent === root && !allowedChild(RESPONSE_CHILDREN, el)) structure ??= `the Response contains {${ns ?? ''}}${name}`;
    if (assertion && parent === assertion && assertion.localName === 'Assertion' && !allowedChild(ASSERTION_CHILDREN, el)) structure ??= `the Assertion contains {${ns ?? ''}}${name}`;
    if (ns === NS.ds && name === 'Signature' && el.parentNode !== root && el.parentNode !== assertion) {
      misplacedSignature ??= `a ds:Signature sits inside ${(el.parentNode as Element).localName}, not directly in the Response or Assertion`;
    }
    // Every attribute any component might treat as an ID (xml-crypto: Id/ID/id; xml:id; namespaced variants)
    // must be unique, and an element may carry only one (SP-WRAP-07, XML-13).
    let idLike = 0;
    for (let i = 0; i < el.attributes.length; i++) {
      const attr = el.attributes.item(i)!;
      if (attr.localName !== 'ID' && attr.localName !== 'Id' && attr.localName !== 'id') continue;
      idLike++;
      const key = attr.value.trim().normalize('NFC');
      if (ids.has(key)) duplicate ??= `ID ${JSON.stringify(key.slice(0, 80))} appears on both ${ids.get(key)} and ${name}`;
      ids.set(key, name);
    }
    if (idLike > 1) duplicate ??= `${name} carries ${idLike} ID-like attributes`;
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === ELEMENT) stack.push([c as Element, inExtensions || (ns === NS.samlp && name === 'Extensions')]);
    }
  }
  if (wrapping) throw reject('SAML_WRAPPING', wrapping);
  if (structure) throw reject('SAML_STRUCTURE', structure);
  if (duplicate) throw reject('SAML_DUPLICATE_ID', duplicate);
  if (misplacedSignature) throw reject('SAML_SIG_SCOPE', misplacedSignature);
}

const RESPONSE_CHILDREN: ReadonlyArray<readonly [string, string]> = [
  [NS.saml, 'Issuer'],
  [NS.ds, 'Signature'],
  [NS.samlp, 'Extensions'],
  [NS.samlp, 'Status'],
  [NS.saml, 'Assertion'],
  [NS.saml, 'EncryptedAssertion'],
];
const ASSERTION_CHILDREN: ReadonlyArray<readonly [string, string]> = [
  [NS.saml, 'Issuer'],
  [NS.ds, 'Signature'],
  [NS.saml, 'Subject'],
  [NS.saml, 'Conditions'],
  [NS.saml, 'Advice'],
  [NS.saml, 'Statement'],
  [NS.saml, 'AuthnStatement'],
  [NS.saml, 'AuthzDecisionStatement'],
  [NS.saml, 'AttributeStatement'],
];

function allowedChild(allowed: ReadonlyArray<readonly [string, string]>, el: Element): boolean {
  return allowed.some(([ns, local]) => el.namespaceURI === ns && el.localName === local);
}

/** The Response envelope: version, Destination, InResponseTo, Issuer, Status and IssueInstant (SP-PROTO-*). */
function checkEnvelope(response: Element, expect: SamlResponseExpectations): void {
  checkVersionAndId(response, 'Response');
  checkIssueInstant(response, 'Response', expect);
  const destination = response.getAttribute('Destination');
  if (destination === null) throw reject('SAML_DESTINATION', 'the Response has no Destination', `the IdP must send Destination ${expect.acsUrl}`);
  if (destination !== expect.acsUrl) {
    throw reject('SAML_DESTINATION', `Destination was ${JSON.stringify(destination.slice(0, 200))}, expected ${expect.acsUrl}`, `set the ACS URL at the IdP to ${expect.acsUrl}`);
  }
  const inResponseTo = response.getAttribute('InResponseTo');
  if (inResponseTo === null) {
    throw reject('SAML_IN_RESPONSE_TO', `the Response is unsolicited (no InResponseTo) but this sign-in sent AuthnRequest ${expect.requestId}`);
  }
  if (inResponseTo !== expect.requestId) {
    throw reject('SAML_IN_RESPONSE_TO', `InResponseTo was ${JSON.stringify(inResponseTo.slice(0, 100))}, but this browser's sign-in sent AuthnRequest ${expect.requestId}`);
  }
  const issuers = childElements(response, NS.saml, 'Issuer');
  if (issuers.length > 1) throw reject('SAML_STRUCTURE', 'the Response has more than one Issuer');
  if (issuers[0]) checkIssuer(issuers[0], 'Response', expect);
  checkStatus(response);
}

function checkStatus(response: Element): void {
  const statuses = childElements(response, NS.samlp, 'Status');
  if (statuses.length !== 1) throw reject('SAML_STRUCTURE', `the Response has ${statuses.length} Status elements`);
  const codes: string[] = [];
  for (let code = childElements(statuses[0]!, NS.samlp, 'StatusCode')[0]; code; code = childElements(code, NS.samlp, 'StatusCode')[0]) {
    codes.push(code.getAttribute('Value') ?? '');
  }
  if (codes[0] === SAML_SUCCESS) return;
  const message = childElements(statuses[0]!, NS.samlp, 'StatusMessage')[0];
  // The IdP's own words go to the admin log, quoted; they are never rendered for the user (SP-BIND-05).
  throw reject(
    'SAML_STATUS',
    `the IdP answered ${codes.map((c) => c.replace(/^urn:oasis:names:tc:SAML:2\.0:status:/, '')).join(' / ') || '(no status code)'}${message ? `: ${JSON.stringify(safeText(message).slice(0, 300))}` : ''}`,
    'the user could not be signed in at the IdP; check that the user is assigned to the application there',
  );
}

function readAssertion(a: Element, expect: SamlResponseExpectations): Omit<VerifiedSamlResponse, 'certificateFingerprint' | 'signed'> {
  if (!isSaml(a, NS.saml, 'Assertion')) throw reject('SAML_STRUCTURE', 'the signed element is not an Assertion');
  const id = checkVersionAndId(a, 'Assertion');
  checkIssueInstant(a, 'Assertion', expect);
  const issuers = childElements(a, NS.saml, 'Issuer');
  if (issuers.length !== 1) throw reject(issuers.length === 0 ? 'SAML_ISSUER' : 'SAML_STRUCTURE', `the Assertion has ${issuers.length} Issuer elements`);
  const issuer = checkIssuer(issuers[0]!, 'Assertion', expect);

  const subject = single(a, 'Subject');
  const nameIdEl = nameIdOf(subject);
  const nameIdFormat = nameIdEl.getAttribute('Format') ?? undefined;
  const nameId = trimAscii(text(nameIdEl));
  if (nameId.length === 0 || nameId.length > MAX_NAMEID) throw reject('SAML_NAMEID_FORMAT', `NameID is ${nameId.length === 0 ? 'empty' : `${nameId.length} characters long`}`);
  const spNameQualifier = nameIdEl.getAttribute('SPNameQualifier');
  if (spNameQualifier !== null && spNameQualifier !== expect.spEntityId) throw reject('SAML_NAMEID_FORMAT', `NameID SPNameQualifier is ${JSON.stringify(spNameQualifier.slice(0, 100))}, another service provider`);
  const confirmationUntil = checkSubjectConfirmation(subject, expect);

  const conditionsUntil = checkConditions(a, expect);

  const authn = childElements(a, NS.saml, 'AuthnStatement');
  if (authn.length !== 1) throw reject('SAML_STRUCTURE', `the Assertion has ${authn.length} AuthnStatements; exactly one is required`);
  const statement = authn[0]!;
  const authnInstant = parseSamlTime(statement.getAttribute('AuthnInstant'), 'AuthnInstant');
  const now = expect.now.getTime();
  if (authnInstant.getTime() > now + expect.skewMs) throw reject('SAML_NOT_YET_VALID', `AuthnInstant is ${describeMs(authnInstant.getTime() - now)} in the future`, clockHint(expect));
  if (authnInstant.getTime() < now - MAX_AUTHN_AGE_MS - expect.skewMs) throw reject('SAML_EXPIRED', `the user authenticated at the IdP ${describeMs(now - authnInstant.getTime())} ago; at most 24 h is accepted`);
  const sessionEnd = statement.getAttribute('SessionNotOnOrAfter');
  const sessionNotOnOrAfter = sessionEnd === null ? undefined : parseSamlTime(sessionEnd, 'SessionNotOnOrAfter');
  if (sessionNotOnOrAfter && sessionNotOnOrAfter.getTime() <= now - expect.skewMs) throw reject('SAML_EXPIRED', `the IdP session ended ${describeMs(now - sessionNotOnOrAfter.getTime())} ago (SessionNotOnOrAfter)`);
  const context = childElements(statement, NS.saml, 'AuthnContext')[0];
  const classRef = context && childElements(context, NS.saml, 'AuthnContextClassRef')[0];

  return {
    assertionId: id,
    issuer,
    nameId,
    nameIdFormat,
    attributes: readAttributes(a),
    authnInstant,
    sessionNotOnOrAfter,
    authnContextClassRef: classRef ? trimAscii(text(classRef)) : undefined,
    replayUntil: new Date(Math.max(confirmationUntil, conditionsUntil) + expect.skewMs),
  };
}

function nameIdOf(subject: Element): Element {
  if (childElements(subject, NS.saml, 'EncryptedID').length > 0 || childElements(subject, NS.saml, 'BaseID').length > 0) {
    throw reject('SAML_NAMEID_FORMAT', 'the Subject identifies the user by EncryptedID or BaseID; a NameID is required');
  }
  const ids = childElements(subject, NS.saml, 'NameID');
  if (ids.length !== 1) throw reject(ids.length === 0 ? 'SAML_NAMEID_FORMAT' : 'SAML_STRUCTURE', `the Subject has ${ids.length} NameIDs`);
  return ids[0]!;
}

/** At least one bearer confirmation that satisfies every check (SP-PROTO-09); others are ignored. */
function checkSubjectConfirmation(subject: Element, expect: SamlResponseExpectations): number {
  const now = expect.now.getTime();
  let firstProblem: GatehouseError | undefined;
  for (const sc of childElements(subject, NS.saml, 'SubjectConfirmation')) {
    if (sc.getAttribute('Method') !== BEARER) continue;
    try {
      const data = childElements(sc, NS.saml, 'SubjectConfirmationData');
      if (data.length !== 1) throw reject('SAML_SUBJECT_CONFIRMATION', `a bearer SubjectConfirmation has ${data.length} SubjectConfirmationData elements`);
      const scd = data[0]!;
      const recipient = scd.getAttribute('Recipient');
      if (recipient !== expect.acsUrl) {
        throw reject('SAML_RECIPIENT', `Recipient was ${JSON.stringify(recipient?.slice(0, 200) ?? null)}, expected ${expect.acsUrl}`, `set the ACS URL at the IdP to ${expect.acsUrl}`);
      }
      const inResponseTo = scd.getAttribute('InResponseTo');
      if (inResponseTo !== expect.requestId) {
        throw reject('SAML_IN_RESPONSE_TO', `SubjectConfirmationData InResponseTo was ${JSON.stringify(inResponseTo?.slice(0, 100) ?? null)}, expected ${expect.requestId}`);
      }
      const notBefore = scd.getAttribute('NotBefore');
      if (notBefore !== null && parseSamlTime(notBefore, 'SubjectConfirmationData NotBefore').getTime() > now + expect.skewMs) {
        throw reject('SAML_NOT_YET_VALID', 'SubjectConfirmationData is not valid yet', clockHint(expect));
      }
      const until = scd.getAttribute('NotOnOrAfter');
      if (until === null) throw reject('SAML_SUBJECT_CONFIRMATION', 'the bearer SubjectConfirmationData has no NotOnOrAfter');
      const untilMs = parseSamlTime(until, 'SubjectConfirmationData NotOnOrAfter').getTime();
      if (now - expect.skewMs >= untilMs) throw reject('SAML_EXPIRED', `SubjectConfirmationData expired ${describeMs(now - untilMs)} ago`, clockHint(expect));
      return untilMs;
    } catch (e) {
      if (!(e instanceof GatehouseError)) throw e;
      firstProblem ??= e;
    }
  }
  throw firstProblem ?? reject('SAML_SUBJECT_CONFIRMATION', 'the Subject has no bearer SubjectConfirmation');
}

/** Conditions: exactly one, time window, and every AudienceRestriction must name Gatehouse (SP-PROTO-03/07). */
function checkConditions(a: Element, expect: SamlResponseExpectations): number {
  const all = childElements(a, NS.saml, 'Conditions');
  if (all.length > 1) throw reject('SAML_STRUCTURE', `the Assertion has ${all.length} Conditions elements`);
  const conditions = all[0];
  if (!conditions) throw reject('SAML_AUDIENCE', `the Assertion has no Conditions, so no Audience; expected ${expect.spEntityId}`);
  const now = expect.now.getTime();
  const notBefore = conditions.getAttribute('NotBefore');
  if (notBefore !== null) {
    const t = parseSamlTime(notBefore, 'Conditions NotBefore').getTime();
    if (t > now + expect.skewMs) throw reject('SAML_NOT_YET_VALID', `the assertion is valid only from ${describeMs(t - now)} from now (clock skew allowed: ${expect.skewMs / 1000} s)`, clockHint(expect));
  }
  const notOnOrAfter = conditions.getAttribute('NotOnOrAfter');
  let until = now + MAX_RESPONSE_AGE_MS;
  if (notOnOrAfter !== null) {
    until = parseSamlTime(notOnOrAfter, 'Conditions NotOnOrAfter').getTime();
    if (now - expect.skewMs >= until) throw reject('SAML_EXPIRED', `the assertion expired ${describeMs(now - until)} ago (clock skew allowed: ${expect.skewMs / 1000} s)`, clockHint(expect));
  }
  const restrictions = childElements(conditions, NS.saml, 'AudienceRestriction');
  if (restrictions.length === 0) throw reject('SAML_AUDIENCE', `the assertion has no AudienceRestriction; expected Audience ${expect.spEntityId}`);
  for (const r of restrictions) {
    const audiences = childElements(r, NS.saml, 'Audience').map((el) => trimAscii(text(el)));
    if (!audiences.includes(expect.spEntityId)) {
      throw reject('SAML_AUDIENCE', `Audience was ${audiences.map((x) => JSON.stringify(x.slice(0, 200))).join(', ') || '(none)'}, expected ${expect.spEntityId}`, `set the SAML audience at the IdP to ${expect.spEntityId}`);
    }
  }
  for (let c = conditions.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== ELEMENT) continue;
    const el = c as Element;
    const known = el.namespaceURI === NS.saml && ['AudienceRestriction', 'OneTimeUse', 'ProxyRestriction'].includes(el.localName ?? '');
    // An unknown condition makes the assertion's validity indeterminate, which is not valid (SAML core 2.5.1.5).
    if (!known) throw reject('SAML_STRUCTURE', `the assertion has an unknown condition ${el.localName}`);
  }
  return until;
}

function readAttributes(a: Element): Record<string, string[]> {
  const statements = childElements(a, NS.saml, 'AttributeStatement');
  if (statements.length > 1) throw reject('SAML_STRUCTURE', `the Assertion has ${statements.length} AttributeStatements`);
  const out: Record<string, string[]> = {};
  const statement = statements[0];
  if (!statement) return out;
  if (childElements(statement, NS.saml, 'EncryptedAttribute').length > 0) throw reject('SAML_ENCRYPTION_NOT_ENABLED', 'the assertion carries encrypted attributes');
  for (const attr of childElements(statement, NS.saml, 'Attribute')) {
    const name = attr.getAttribute('Name');
    if (!name) throw reject('SAML_STRUCTURE', 'an Attribute has no Name');
    // One Attribute per name: with two, "which one wins" would be up to the reader (SP-PROTO-11).
    if (Object.hasOwn(out, name)) throw reject('SAML_STRUCTURE', `attribute ${JSON.stringify(name.slice(0, 100))} appears more than once`);
    out[name] = childElements(attr, NS.saml, 'AttributeValue')
      .filter((v) => v.getAttributeNS('http://www.w3.org/2001/XMLSchema-instance', 'nil') !== 'true')
      .map((v) => trimAscii(text(v)));
  }
  return out;
}

function checkIssuer(el: Element, where: string, expect: SamlResponseExpectations): string {
  const format = el.getAttribute('Format');
  if (format !== null && format !== ENTITY_FORMAT) throw reject('SAML_ISSUER', `the ${where} Issuer has Format ${JSON.stringify(format.slice(0, 100))}, not entity`);
  const value = trimAscii(text(el));
  if (value !== expect.idpIssuer) {
    throw reject('SAML_ISSUER', `the ${where} Issuer was ${JSON.stringify(value.slice(0, 200))}, expected ${expect.idpIssuer}`, 'issuer_url must be the IdP entity ID exactly as the IdP sends it; import the IdP metadata to get it right');
  }
  return value;
}

function checkVersionAndId(el: Element, what: string): string {
  if (el.getAttribute('Version') !== '2.0') throw reject('SAML_STRUCTURE', `the ${what} Version is ${JSON.stringify(el.getAttribute('Version'))}, not 2.0`);
  const id = el.getAttribute('ID') ?? '';
  if (!NCNAME.test(id)) throw reject('SAML_STRUCTURE', `the ${what} ID is missing or not an NCName`);
  return id;
}

function checkIssueInstant(el: Element, what: string, expect: SamlResponseExpectations): void {
  const t = parseSamlTime(el.getAttribute('IssueInstant'), `${what} IssueInstant`).getTime();
  const now = expect.now.getTime();
  if (t > now + expect.skewMs) throw reject('SAML_NOT_YET_VALID', `the ${what} was issued ${describeMs(t - now)} in the future (clock skew allowed: ${expect.skewMs / 1000} s)`, clockHint(expect));
  if (t < now - MAX_RESPONSE_AGE_MS - expect.skewMs) throw reject('SAML_EXPIRED', `the ${what} was issued ${describeMs(now - t)} ago; at most 10 minutes are accepted`, clockHint(expect));
}

function single(parent: Element, local: string): Element {
  const found = childElements(parent, NS.saml, local);
  if (found.length !== 1) throw reject('SAML_STRUCTURE', `the ${parent.localName} has ${found.length} ${local} elements; exactly one is required`);
  return found[0]!;
}

function reparse(canonicalXml: string): Element {
  return parseUntrustedXml(canonicalXml, { maxBytes: SAML_RESPONSE_MAX_BYTES }).documentElement!;
}

function text(el: Element): string {
  return elementText(el, 'SAML_STRUCTURE');
}

/** For log text only: what an element says, with no markup. */
function safeText(el: Element): string {
  try {
    return trimAscii(elementText(el));
  } catch {
    return '(not plain text)';
  }
}

/** The documented normalisation: ASCII whitespace at the ends only, never NBSP or other Unicode spaces (SP-C14N-04). */
function trimAscii(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

function isSaml(el: Element, ns: string, local: string): boolean {
  return el.namespaceURI === ns && el.localName === local;
}

function describeMs(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} minutes` : `${Math.round(m / 60)} hours`;
}

function clockHint(expect: SamlResponseExpectations): string {
  return `check the clocks of the IdP and of Gatehouse (NTP); GATEHOUSE_CLOCK_SKEW_SECONDS allows ${expect.skewMs / 1000} s`;
}

function reject(code: ErrorCode, detail: string, hint?: string): GatehouseError {
  return new GatehouseError(code, { detail, ...(hint ? { hint } : {}) });
}
