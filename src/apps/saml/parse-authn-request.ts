import type { Element } from '@xmldom/xmldom';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { childElements, elementText, parseUntrustedXml } from '../../xml/parse-untrusted-xml.js';

export const SAMLP_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const BINDING_HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';

/** The SAML spec's xs:ID is an NCName; colons are tolerated because some SPs emit them. */
const REQUEST_ID = /^[A-Za-z_][A-Za-z0-9_.\-:]{0,255}$/;
const INDEX = /^[0-9]{1,5}$/;
// xs:dateTime with a mandatory zone (SAML requires UTC; an offset is converted, a missing zone is ambiguous).
const XS_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export interface AuthnRequestInfo {
  id: string;
  issueInstant: Date;
  forceAuthn: boolean;
  isPassive: boolean;
  /** Always the registered ACS URL: a URL from the request is only ever compared, never used (IDP-REQ-01). */
  acsUrl: string;
}

export interface AuthnRequestExpectations {
  spEntityId: string;
  registeredAcsUrl: string;
  ssoEndpointUrl: string;
  now: Date;
  maxAgeMs?: number;
  clockSkewMs?: number;
}

const show = (v: string | null | undefined): string => (v === null || v === undefined ? '(absent)' : JSON.stringify(v.slice(0, 512)));

/**
 * Validates an unsigned AuthnRequest against the app's registration. Nothing in the request can steer the
 * response anywhere but the registered ACS; every mismatch names what was received and what is registered.
 */
export function parseAuthnRequest(xml: string, expect: AuthnRequestExpectations): AuthnRequestInfo {
  const maxAgeMs = expect.maxAgeMs ?? 10 * 60_000;
  const skewMs = expect.clockSkewMs ?? 3 * 60_000;
  const root = parseUntrustedXml(xml).documentElement!;
  const invalid = (detail: string, hint?: string) => new GatehouseError('APP_REQUEST_INVALID', { detail, ...(hint ? { hint } : {}) });

  if (root.namespaceURI !== SAMLP_NS || root.localName !== 'AuthnRequest') {
    throw invalid(`expected a SAML 2.0 AuthnRequest; received <${root.localName}> in namespace ${show(root.namespaceURI)}`, 'configure the application to send SAML 2.0 AuthnRequests');
  }
  const version = attr(root, 'Version');
  if (version !== '2.0') throw invalid(`AuthnRequest Version is ${show(version)}; expected "2.0"`);

  const id = attr(root, 'ID');
  if (id === null || !REQUEST_ID.test(id)) throw invalid(`AuthnRequest ID ${show(id)} is missing or not a valid xs:ID (1-256 characters A-Z a-z 0-9 _ . - :, not starting with a digit)`);

  const instantText = attr(root, 'IssueInstant');
  const issueInstant = instantText === null ? undefined : parseXsDateTime(instantText);
  if (!issueInstant) throw invalid(`AuthnRequest IssueInstant ${show(instantText)} is not a valid xs:dateTime with a time zone`);
  const ageMs = expect.now.getTime() - issueInstant.getTime();
  // The skew applies on both sides: the SP's clock may be ahead of or behind ours.
  if (ageMs > maxAgeMs + skewMs) {
    throw invalid(`AuthnRequest IssueInstant ${instantText} is ${Math.round(ageMs / 1000)} s old; at most ${Math.round((maxAgeMs + skewMs) / 1000)} s are accepted (now ${expect.now.toISOString()})`, "check the application server's clock, or start the sign-in again");
  }
  if (-ageMs > skewMs) {
    throw invalid(`AuthnRequest IssueInstant ${instantText} is ${Math.round(-ageMs / 1000)} s in the future; at most ${Math.round(skewMs / 1000)} s of clock skew are accepted (now ${expect.now.toISOString()})`, "check the application server's clock");
  }

  const issuers = childElements(root, SAML_NS, 'Issuer');
  if (issuers.length > 1) throw invalid(`AuthnRequest has ${issuers.length} Issuer elements`);
  const issuerEl = issuers[0];
  const issuer = issuerEl === undefined ? undefined : elementText(issuerEl, 'APP_REQUEST_INVALID');
  if (issuer !== expect.spEntityId) {
    throw new GatehouseError('APP_ISSUER_MISMATCH', {
      detail: `AuthnRequest Issuer is ${show(issuer)}; this application's SP entity ID is ${show(expect.spEntityId)}`,
      hint: "set the application's SP entity ID in Gatehouse to the value the service provider sends, or fix the entity ID in the service provider",
    });
  }
  const issuerFormat = attr(issuerEl!, 'Format');
  if (issuerFormat !== null && issuerFormat !== ENTITY_FORMAT) throw invalid(`AuthnRequest Issuer Format is ${show(issuerFormat)}; only ${ENTITY_FORMAT} is allowed`);

  const acsUrl = attr(root, 'AssertionConsumerServiceURL');
  const acsIndex = attr(root, 'AssertionConsumerServiceIndex');
  if (acsUrl !== null && acsIndex !== null) {
    throw invalid('AuthnRequest has both AssertionConsumerServiceURL and AssertionConsumerServiceIndex; SAML core 3.4.1 makes them mutually exclusive');
  }
  // Byte-identical, no normalisation: a trailing slash, case or scheme change is a different endpoint (IDP-REQ-01).
  if (acsUrl !== null && acsUrl !== expect.registeredAcsUrl) {
    throw new GatehouseError('APP_ACS_MISMATCH', {
      detail: `AuthnRequest AssertionConsumerServiceURL is ${show(acsUrl)}; the registered ACS URL is ${show(expect.registeredAcsUrl)}`,
      hint: "set the application's ACS URL in Gatehouse to exactly the URL the service provider sends (scheme, host case, path and trailing slash included)",
    });
  }
  // One ACS is registered per app, so any well-formed index selects it.
  if (acsIndex !== null && (!INDEX.test(acsIndex) || Number(acsIndex) > 65535)) throw invalid(`AuthnRequest AssertionConsumerServiceIndex ${show(acsIndex)} is not an unsigned short`);

  const binding = attr(root, 'ProtocolBinding');
  if (binding !== null && binding !== BINDING_HTTP_POST) {
    throw invalid(`AuthnRequest ProtocolBinding is ${show(binding)}; Gatehouse answers only with ${BINDING_HTTP_POST}`, 'configure the service provider to receive the SAML response with the HTTP-POST binding');
  }
  const destination = attr(root, 'Destination');
  if (destination !== null && destination !== expect.ssoEndpointUrl) {
    throw invalid(`AuthnRequest Destination is ${show(destination)}; this application's SSO URL is ${show(expect.ssoEndpointUrl)}`, "set the service provider's IdP SSO URL to the one shown for this application in Gatehouse");
  }

  return {
    id,
    issueInstant,
    forceAuthn: xsBoolean(root, 'ForceAuthn'),
    isPassive: xsBoolean(root, 'IsPassive'),
    acsUrl: expect.registeredAcsUrl,
  };
}

/** An unqualified attribute, or null. getAttributeNode distinguishes absent from empty. */
function attr(el: Element, name: string): string | null {
  const node = el.getAttributeNode(name);
  return node === null ? null : node.value;
}

function xsBoolean(el: Element, name: string): boolean {
  const v = attr(el, name);
  if (v === null || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new GatehouseError('APP_REQUEST_INVALID', { detail: `AuthnRequest ${name} is ${show(v)}; expected true or false` });
}

/** Parses an xs:dateTime that carries a zone; undefined when malformed or out of range (e.g. 2024-02-30). */
export function parseXsDateTime(text: string): Date | undefined {
  const m = XS_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms);
  const check = new Date(utc);
  // Date.UTC rolls 2024-02-30 over to March; a round trip of every field catches that.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d || h! > 23 || mi! > 59 || s! > 59) return undefined;
  const zone = m[8]!;
  if (zone === 'Z') return check;
  const sign = zone[0] === '-' ? -1 : 1;
  const zh = Number(zone.slice(1, 3));
  const zm = Number(zone.slice(4, 6));
  if (zh > 14 || zm > 59) return undefined;
  return new Date(utc - sign * (zh * 60 + zm) * 60_000);
}
