import type { Document, Element } from '@xmldom/xmldom';
import { isGatehouseError } from '../../errors/gatehouse-error.js';
import { type ParsedCertificate, parsePinnedCertificate } from '../../keys/parse-pinned-certificate.js';
import { childElements, elementText, parseUntrustedXml } from '../../xml/parse-untrusted-xml.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const XINCLUDE = 'http://www.w3.org/2001/XInclude';
const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const ELEMENT = 1;

/** Metadata files are larger than protocol messages (several certificates, long descriptions), never near 1 MiB. */
export const METADATA_MAX_BYTES = 1024 * 1024;

/** What a SAML login method takes from an IdP's metadata. */
export interface IdpMetadata {
  /** EntityDescriptor/@entityID: becomes `issuer_url`. */
  entityId: string;
  /** The HTTP-Redirect SingleSignOnService Location: becomes `sso_target_url`. */
  ssoRedirectUrl: string;
  /** Every signing certificate of the IDPSSODescriptor, in document order, duplicates removed. */
  certificates: ParsedCertificate[];
}

export type IdpMetadataResult = { ok: true; metadata: IdpMetadata } | { ok: false; problem: string };

/**
 * Reads an IdP's SAML 2.0 metadata (admin-supplied text or a fetched document; ADM-IN-01). The document goes through
 * the one hardened parser (no DOCTYPE, entities or PIs: XML-01..06, XML-12); elements are selected by namespace URI
 * and local name only (XML-10). The metadata signature is not checked: the admin vouches for the document by
 * supplying it, exactly as when pasting the certificate.
 */
export function parseIdpMetadata(xml: string, now: Date): IdpMetadataResult {
  let doc: Document;
  try {
    doc = parseUntrustedXml(xml, { maxBytes: METADATA_MAX_BYTES });
  } catch (e) {
    if (isGatehouseError(e)) return fail(`is not acceptable XML: ${e.detail ?? e.publicMessage}`);
    throw e;
  }
  const root = doc.documentElement!;
  // XInclude is never processed here, but refusing it keeps a document that asks for file or network content from
  // being accepted as if it had none (XML-11).
  if (containsNamespace(root, XINCLUDE)) return fail('contains an XInclude element; metadata must be self-contained');

  let entity: Element;
  if (isMd(root, 'EntityDescriptor')) {
    entity = root;
  } else if (isMd(root, 'EntitiesDescriptor')) {
    const idps = childElements(root, MD, 'EntityDescriptor').filter((e) => childElements(e, MD, 'IDPSSODescriptor').length > 0);
    if (idps.length !== 1) return fail(`holds ${idps.length} identity providers (EntityDescriptor with an IDPSSODescriptor); exactly one is required`);
    entity = idps[0]!;
  } else {
    return fail(`has the root element {${root.namespaceURI ?? ''}}${root.localName}; expected a SAML 2.0 md:EntityDescriptor`);
  }

  const entityId = entity.getAttribute('entityID') ?? '';
  if (entityId.trim() === '' || entityId !== entityId.trim()) return fail('has no usable entityID on its EntityDescriptor');

  const descriptors = childElements(entity, MD, 'IDPSSODescriptor');
  if (descriptors.length !== 1) return fail(`has ${descriptors.length} IDPSSODescriptor elements; exactly one is required`);
  const idp = descriptors[0]!;
  const protocols = (idp.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/);
  if (!protocols.includes(SAML2_PROTOCOL)) return fail(`IDPSSODescriptor does not support SAML 2.0 (protocolSupportEnumeration lacks ${SAML2_PROTOCOL})`);

  const sso = childElements(idp, MD, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === HTTP_REDIRECT);
  const ssoRedirectUrl = sso?.getAttribute('Location') ?? '';
  if (!sso) return fail(`has no SingleSignOnService with the HTTP-Redirect binding (${HTTP_REDIRECT}); Gatehouse sends sign-in requests by redirect`);
  if (ssoRedirectUrl === '') return fail('has an HTTP-Redirect SingleSignOnService without a Location');

  const certificates: ParsedCertificate[] = [];
  const keyDescriptors = childElements(idp, MD, 'KeyDescriptor');
  for (const [i, kd] of keyDescriptors.entries()) {
    const use = kd.getAttribute('use') ?? '';
    if (use === 'encryption') continue;
    if (use !== '' && use !== 'signing') return fail(`KeyDescriptor ${i + 1} has an unknown use "${use.slice(0, 40)}"`);
    // Exactly one certificate per signing key: a chain would pin its CA key as well, which never signs responses.
    const certs = childElements(kd, DS, 'KeyInfo').flatMap((ki) => childElements(ki, DS, 'X509Data')).flatMap((xd) => childElements(xd, DS, 'X509Certificate'));
    if (certs.length !== 1) return fail(`KeyDescriptor ${i + 1} must carry exactly one ds:KeyInfo/ds:X509Data/ds:X509Certificate; found ${certs.length}`);
    let text: string;
    try {
      text = elementText(certs[0]!);
    } catch {
      return fail(`KeyDescriptor ${i + 1}: the X509Certificate must contain only text`);
    }
    const parsed = parsePinnedCertificate(text, now);
    if (parsed.kind === 'placeholder') return fail(`KeyDescriptor ${i + 1}: the certificate is shortened with "..."; use the complete metadata file`);
    if (parsed.kind === 'problem') return fail(`KeyDescriptor ${i + 1}: the certificate ${parsed.message}`);
    if (!certificates.some((c) => c.sha256Fingerprint === parsed.certificate.sha256Fingerprint)) certificates.push(parsed.certificate);
  }
  // Never fall back to a certificate from a message's KeyInfo (samlify's behaviour, SP-KEY-05): no signing key, no IdP.
  if (certificates.length === 0) return fail('has no signing certificate (no KeyDescriptor with use="signing" or without use)');

  return { ok: true, metadata: { entityId, ssoRedirectUrl, certificates } };
}

function fail(problem: string): IdpMetadataResult {
  return { ok: false, problem: `metadata ${problem}` };
}

function isMd(el: Element, local: string): boolean {
  return el.namespaceURI === MD && el.localName === local;
}

/** True when any element at or below `root` is in namespace `ns` (iterative: the parser already bounds depth). */
function containsNamespace(root: Element, ns: string): boolean {
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    if (el.namespaceURI === ns) return true;
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT) stack.push(c as Element);
  }
  return false;
}
