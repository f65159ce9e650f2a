import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import type { ErrorCode } from '../errors/catalog.js';
import { GatehouseError } from '../errors/gatehouse-error.js';

/** Limits for untrusted XML (XML-12). SAML protocol messages are a few KiB; these leave ample room. */
export const XML_DEFAULT_MAX_BYTES = 256 * 1024;
export const XML_MAX_DEPTH = 64;
export const XML_MAX_ELEMENTS = 20_000;

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const PI = 7;
const COMMENT = 8;

// `<!` may only start a comment or CDATA section. Anything else is a DOCTYPE, ENTITY, ATTLIST or ELEMENT
// declaration: never legitimate in SAML, and the root of XXE, entity bombs and parser differentials
// (XML-01..04). Checked on the raw text so it is refused before any parser sees it; a match inside a comment
// or CDATA section is refused as well, which costs nothing legitimate.
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/;
// The XML declaration, strictly: version 1.0, optional encoding and standalone, nothing else.
const XML_DECL = /^<\?xml\s+version\s*=\s*(["'])1\.0\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/;
// Characters outside the XML 1.0 Char production: C0 controls except \t \n \r, lone surrogates, U+FFFE/FFFF.
const INVALID_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const CHAR_REF = /&#(?:x([0-9A-Fa-f]+)|([0-9]+));/g;

/**
 * Parses XML from an untrusted party into a DOM, failing closed on anything a SAML message never needs.
 * Select elements from the result with `childElements` / `singleChild` (namespace URI + local name, never prefix).
 */
export function parseUntrustedXml(xml: string, opts: { maxBytes?: number } = {}): Document {
  const maxBytes = opts.maxBytes ?? XML_DEFAULT_MAX_BYTES;
  // A UTF-8 byte count is never smaller than the UTF-16 length, so the cheap test settles most oversize inputs.
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new GatehouseError('XML_TOO_LARGE', { detail: `XML message is over ${maxBytes} bytes` });
  }
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml; // a UTF-8 byte order mark is still UTF-8
  if (MARKUP_DECLARATION.test(text)) {
    throw new GatehouseError('XML_DOCTYPE', { detail: 'XML contains a DOCTYPE or other markup declaration' });
  }
  checkDeclaration(text);
  checkCharacters(text);
  checkStartTagCount(text);

  let doc: Document;
  try {
    // Warnings too: xmldom reports recoverable damage as warnings and would otherwise guess (XML-05 history).
    const parser = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
      // XML 1.0 line ends only. xmldom's default also turns U+0085, U+2028 and U+2029 into \n (XML 1.1 rules),
      // so values would differ from what an XML 1.0 signer canonicalized and digested.
      normalizeLineEndings: (source) => source.replace(/\r\n?/g, '\n'),
    });
    doc = parser.parseFromString(text, 'application/xml');
  } catch (e) {
    throw new GatehouseError('XML_MALFORMED', { detail: `XML parser: ${String((e as Error).message ?? e).slice(0, 300)}`, cause: e });
  }
  checkTree(doc);
  return doc;
}

function checkDeclaration(text: string): void {
  if (!/^<\?xml\s/.test(text)) return; // `<?xml-stylesheet` and friends are PIs, refused by checkTree
  const m = XML_DECL.exec(text);
  if (!m) throw new GatehouseError('XML_MALFORMED', { detail: 'XML declaration is not a plain version 1.0 declaration' });
  const encoding = m[3];
  // The caller decoded the bytes as UTF-8; any other declared encoding means the two disagree (XML-09).
  if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') {
    throw new GatehouseError('XML_MALFORMED', { detail: `XML declares encoding "${encoding}"; only UTF-8 is accepted` });
  }
}

/** Raw characters and character references must both be XML 1.0 Chars; xmldom itself checks neither. */
function checkCharacters(text: string): void {
  if (INVALID_CHAR.test(text)) throw new GatehouseError('XML_MALFORMED', { detail: 'XML contains a character not allowed in XML 1.0' });
  if (!text.includes('&#')) return;
  for (const m of text.matchAll(CHAR_REF)) {
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
    if (!(cp <= 0x10ffff) || INVALID_CHAR.test(String.fromCodePoint(cp))) {
      throw new GatehouseError('XML_MALFORMED', { detail: `XML contains a reference to a character not allowed in XML 1.0: ${m[0].slice(0, 20)}` });
    }
  }
}

/**
 * Parse time grows with the element count, so an upper bound (every `<` followed by a name character) is
 * checked before parsing; the exact count and the depth are checked on the tree afterwards.
 */
function checkStartTagCount(text: string): void {
  let count = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    const c = text.charCodeAt(i + 1);
    if (c !== 0x2f /* / */ && c !== 0x21 /* ! */ && c !== 0x3f /* ? */ && ++count > XML_MAX_ELEMENTS) {
      throw new GatehouseError('XML_TOO_LARGE', { detail: `XML has more than ${XML_MAX_ELEMENTS} elements` });
    }
  }
}

/** One walk over the tree: exactly one root, no PIs anywhere, only elements, text, CDATA and comments, depth limit. */
function checkTree(doc: Document): void {
  let roots = 0;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT) roots++;
    else if (n.nodeType === PI && n.nodeName === 'xml' && n === doc.firstChild) continue; // the declaration itself
    // Whitespace around the root is XML 1.0 `Misc` (the line break after a declaration); any other text is not.
    else if (n.nodeType === TEXT && /^[ \t\r\n]*$/.test((n as unknown as { data: string }).data)) continue;
    else if (n.nodeType !== COMMENT) throw forbiddenOrMalformed(n);
  }
  if (roots !== 1) throw new GatehouseError('XML_MALFORMED', { detail: `XML has ${roots} root elements; exactly one is required` });

  // Iterative depth-first walk: no recursion, so a deep document cannot exhaust the stack. (The element count
  // needs no check here: checkStartTagCount bounded it from above before parsing.)
  const stack: Array<[Node, number]> = [[doc.documentElement!, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > XML_MAX_DEPTH) throw new GatehouseError('XML_TOO_LARGE', { detail: `XML elements are nested more than ${XML_MAX_DEPTH} deep` });
    checkNamespaceDeclarations(node as Element);
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === ELEMENT) stack.push([c, depth + 1]);
      else if (c.nodeType !== TEXT && c.nodeType !== CDATA && c.nodeType !== COMMENT) throw forbiddenOrMalformed(c);
    }
  }
}

/**
 * Namespace names must be plain URIs: printable ASCII without spaces. A URI with other characters (XML-10e,
 * CVE-2025-25292's `http://example.com\u0080`) is where parsers and canonicalizers start to disagree.
 */
function checkNamespaceDeclarations(el: Element): void {
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i)!;
    if ((a.prefix === 'xmlns' || a.name === 'xmlns') && !/^[\x21-\x7e]*$/.test(a.value)) {
      throw new GatehouseError('XML_MALFORMED', { detail: `namespace declaration ${a.name.slice(0, 40)} is not a plain URI` });
    }
  }
}

function forbiddenOrMalformed(n: Node): GatehouseError {
  // PIs are refused everywhere: canonicalizers render them as text while DOM readers skip them (XML-06).
  if (n.nodeType === PI) return new GatehouseError('XML_PI', { detail: `XML contains the processing instruction <?${n.nodeName.slice(0, 40)}?>` });
  if (n.nodeType === TEXT || n.nodeType === CDATA) return new GatehouseError('XML_MALFORMED', { detail: 'XML has text outside the root element' });
  return new GatehouseError('XML_FORBIDDEN_CONSTRUCT', { detail: `XML contains a node of type ${n.nodeType} (${n.nodeName.slice(0, 40)})` });
}

/** Child elements of `parent` with this namespace URI and local name. The prefix is never looked at (XML-10). */
export function childElements(parent: Element | Document, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT && (c as Element).namespaceURI === ns && (c as Element).localName === local) out.push(c as Element);
  }
  return out;
}

/** The one child element (ns, local); throws `code` when there is none or more than one. */
export function singleChild(parent: Element, ns: string, local: string, code: ErrorCode = 'XML_MALFORMED'): Element {
  const found = childElements(parent, ns, local);
  if (found.length !== 1) {
    throw new GatehouseError(code, { detail: `<${parent.localName}> must contain exactly one {${ns}}${local}; found ${found.length}` });
  }
  return found[0]!;
}

/** The child element (ns, local) if present; throws `code` when there is more than one. */
export function optionalChild(parent: Element, ns: string, local: string, code: ErrorCode = 'XML_MALFORMED'): Element | undefined {
  const found = childElements(parent, ns, local);
  if (found.length > 1) {
    throw new GatehouseError(code, { detail: `<${parent.localName}> must contain at most one {${ns}}${local}; found ${found.length}` });
  }
  return found[0];
}

/**
 * The text of an element that must hold only character data (text and CDATA; comments are skipped). An element
 * child means the message is not what it claims to be, so it throws `code` instead of flattening it.
 */
export function elementText(el: Element, code: ErrorCode = 'XML_MALFORMED'): string {
  let text = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === TEXT || c.nodeType === CDATA) text += (c as unknown as { data: string }).data;
    else if (c.nodeType !== COMMENT) throw new GatehouseError(code, { detail: `<${el.localName}> must contain only text` });
  }
  return text;
}
