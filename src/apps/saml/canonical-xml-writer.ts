import { GatehouseError } from '../../errors/gatehouse-error.js';

/** Attributes of one element; `undefined` values are left out. Order does not matter: the writer sorts. */
export type XmlAttributes = Readonly<Record<string, string | undefined>>;

interface Frame {
  readonly name: string;
  /** Prefixes whose xmlns declaration this element rendered. */
  readonly declared: readonly string[];
}

const NO_ATTRIBUTES: XmlAttributes = {};
const NONE: string[] = [];
const PREFIXES = new Map<string, string>();
const QNAME = /^(?:([A-Za-z_][A-Za-z0-9_.-]*):)?[A-Za-z_][A-Za-z0-9_.-]*$/;
// Characters outside the XML 1.0 Char production: C0 controls except \t \n \r, lone surrogates, U+FFFE/FFFF.
const INVALID_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const TEXT_SPECIAL = /[&<>\r]/g;
const ATTR_SPECIAL = /[&<"\t\n\r]/g;
const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTR_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };

/**
 * Writes XML that is already in Exclusive XML Canonicalization form (xml-exc-c14n, without comments), so the
 * bytes written are the bytes a verifier digests. It applies exactly the c14n rules:
 *  - a namespace is declared on each element that visibly uses its prefix unless an output ancestor already
 *    rendered it (declarations sorted by prefix, before the attributes);
 *  - attributes sorted by (namespace URI, local name), unqualified ones first;
 *  - no self-closing tags, no whitespace between tags, c14n character escaping for text and attribute values.
 * Every value is escaped here, and a value XML 1.0 cannot carry makes it throw (IDP-RESP-01): nothing is spliced.
 */
export class CanonicalXmlWriter {
  #out = '';
  readonly #namespaces: Readonly<Record<string, string>>;
  readonly #stack: Frame[] = [];
  #floor = 0;

  /** `namespaces`: prefix → URI, the only prefixes the writer accepts. No default namespace. */
  constructor(namespaces: Readonly<Record<string, string>>) {
    for (const [prefix, uri] of Object.entries(namespaces)) {
      // Declarations are written unescaped (c14n renders them as-is), so only plain URIs are accepted.
      if (prefixOf(prefix) !== '' || !/^[\x21-\x7e]+$/.test(uri) || /[&<"]/.test(uri)) throw internal(`namespace ${prefix}="${uri.slice(0, 60)}" is not usable`);
    }
    this.#namespaces = namespaces;
  }

  /** Characters written so far: an offset for splicing a signature in later. */
  get length(): number {
    return this.#out.length;
  }

  open(name: string, attrs: XmlAttributes = NO_ATTRIBUTES): this {
    const prefix = prefixOf(name);
    let declared: string[] = NONE;
    if (prefix !== '' && !this.#rendered(prefix)) declared = [prefix];
    // [sort key, rendered text]; key = namespace URI + NUL + local name, so one string comparison orders by
    // (URI, local name) and unqualified attributes (empty URI) come first.
    let rendered: Array<[string, string]> | undefined;
    for (const key in attrs) {
      const value = attrs[key];
      if (value === undefined) continue;
      const p = prefixOf(key);
      let sortKey = `\0${key}`;
      if (p !== '') {
        sortKey = `${this.#uri(p)}\0${key.slice(p.length + 1)}`;
        if (!declared.includes(p) && !this.#rendered(p)) declared = [...declared, p];
      }
      (rendered ??= []).push([sortKey, ` ${key}="${escapeAttribute(value, name, key)}"`]);
    }
    let tag = `<${name}`;
    if (declared.length > 1) declared.sort(byCodePoint);
    for (const p of declared) tag += ` xmlns:${p}="${this.#uri(p)}"`;
    if (rendered) {
      if (rendered.length > 1) rendered.sort((a, b) => byCodePoint(a[0], b[0]));
      for (const a of rendered) tag += a[1];
    }
    this.#out += `${tag}>`;
    this.#stack.push({ name, declared });
    return this;
  }

  text(value: string): this {
    if (this.#stack.length === 0) throw internal('text outside the root element');
    this.#out += escapeText(value, this.#stack[this.#stack.length - 1]!.name);
    return this;
  }

  close(): this {
    const frame = this.#stack.pop();
    if (!frame) throw internal('close() without a matching open()');
    this.#out += `</${frame.name}>`;
    return this;
  }

  /** open + text + close, for the many elements that hold one value. */
  leaf(name: string, attrs: XmlAttributes, text?: string): this {
    this.open(name, attrs);
    if (text !== undefined) this.text(text);
    return this.close();
  }

  /**
   * Writes an element whose canonical form will also be taken on its own (a signed Assertion). Inside, the
   * writer refuses to lean on a namespace rendered outside: then the subtree's own c14n would declare it and
   * its bytes here would not, and the digest would not verify. Returns the subtree's character range.
   */
  isolated(write: () => void): { start: number; end: number } {
    const floor = this.#floor;
    const depth = this.#stack.length;
    const start = this.#out.length;
    this.#floor = depth;
    try {
      write();
    } finally {
      this.#floor = floor;
    }
    if (this.#stack.length !== depth) throw internal('isolated() left elements open');
    return { start, end: this.#out.length };
  }

  toString(): string {
    if (this.#stack.length > 0) throw internal(`<${this.#stack[this.#stack.length - 1]!.name}> is not closed`);
    return this.#out;
  }

  #uri(prefix: string): string {
    const uri = this.#namespaces[prefix];
    if (uri === undefined) throw internal(`namespace prefix "${prefix}" is not configured`);
    return uri;
  }

  /** Whether an output ancestor already rendered the prefix (each prefix has one fixed URI here). */
  #rendered(prefix: string): boolean {
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      if (!this.#stack[i]!.declared.includes(prefix)) continue;
      if (i < this.#floor) throw internal(`prefix "${prefix}" is declared outside an isolated subtree that uses it`);
      return true;
    }
    return false;
  }
}

/** The prefix of a checked element or attribute name ('' for none). Names are code constants, so cache them. */
function prefixOf(qname: string): string {
  let prefix = PREFIXES.get(qname);
  if (prefix === undefined) {
    const m = QNAME.exec(qname);
    if (!m || m[1] === 'xmlns' || m[1] === 'xml' || qname === 'xmlns') throw internal(`"${qname.slice(0, 60)}" is not a name this writer accepts`);
    prefix = m[1] ?? '';
    if (PREFIXES.size < 1000) PREFIXES.set(qname, prefix);
  }
  return prefix;
}

/** c14n sorts by code point; `<` on ASCII names is exactly that, and localeCompare would not be. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function escapeText(value: string, where: string): string {
  if (INVALID_CHAR.test(value)) throw unusable(value, `<${where}>`);
  return value.replace(TEXT_SPECIAL, (c) => TEXT_ESCAPES[c]!);
}

function escapeAttribute(value: string, element: string, name: string): string {
  if (INVALID_CHAR.test(value)) throw unusable(value, `${name} of <${element}>`);
  return value.replace(ATTR_SPECIAL, (c) => ATTR_ESCAPES[c]!);
}

/** Fail closed instead of stripping: a silently altered name or group could match a different user or grant. */
function unusable(value: string, where: string): GatehouseError {
  const m = INVALID_CHAR.exec(value)!;
  const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return new GatehouseError('APP_IDENTITY_UNUSABLE', {
    detail: `the value for ${where} contains U+${code} at position ${m.index}, which XML 1.0 cannot carry`,
    hint: 'remove control characters and unpaired surrogates from this user attribute at the identity provider',
  });
}

function internal(detail: string): GatehouseError {
  return new GatehouseError('INTERNAL', { detail: `CanonicalXmlWriter: ${detail}` });
}

const XML11_LINE_END = /[\u0085\u2028\u2029]/;
const XML11_LINE_ENDS = /[\u0085\u2028\u2029]/g;

/**
 * For transport, after signing: U+0085, U+2028 and U+2029 as character references. XML 1.0 parsers read them as
 * the same characters, so canonical form and digests are unchanged; but xmldom (under xml-crypto and node-saml)
 * turns the literal characters into \n before parsing and would then fail the signature. They can only occur
 * inside escaped values here, never in markup.
 */
export function escapeXml11LineEnds(xml: string): string {
  return XML11_LINE_END.test(xml) ? xml.replace(XML11_LINE_ENDS, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`) : xml;
}
