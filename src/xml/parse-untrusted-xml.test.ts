import { describe, expect, it } from 'vitest';
import { childElements, elementText, optionalChild, parseUntrustedXml, singleChild, XML_MAX_DEPTH, XML_MAX_ELEMENTS } from './parse-untrusted-xml.js';
import { codeOf } from '../../test/helpers/error-code.js';

/** The GatehouseError code `fn` throws; anything else thrown (or nothing) fails the comparison visibly. */

const parse = (xml: string, maxBytes?: number) => () => parseUntrustedXml(xml, maxBytes === undefined ? {} : { maxBytes });

describe('parseUntrustedXml: accepted input', () => {
  it('parses a namespaced document with an XML declaration, comments and CDATA', () => {
    const doc = parseUntrustedXml(
      '<?xml version="1.0" encoding="UTF-8"?><!-- c --><p:r xmlns:p="urn:x" a="1"><p:k>one<![CDATA[<two>]]><!--x-->three</p:k></p:r>',
    );
    const root = doc.documentElement!;
    expect([root.namespaceURI, root.localName, root.getAttribute('a')]).toEqual(['urn:x', 'r', '1']);
    expect(elementText(singleChild(root, 'urn:x', 'k'))).toBe('one<two>three');
  });

  it('accepts lower-case utf-8, single quotes, standalone, and a UTF-8 byte order mark', () => {
    expect(parseUntrustedXml("<?xml version='1.0' encoding='utf-8' standalone='yes'?><r/>").documentElement!.localName).toBe('r');
    expect(parseUntrustedXml('\uFEFF<r>x</r>').documentElement!.textContent).toBe('x');
  });

  it('normalizes line ends by XML 1.0 rules only: CRLF and CR become LF, U+0085 / U+2028 / U+2029 stay', () => {
    const doc = parseUntrustedXml('<r a="1\r\n2">a\r\nb\rc\u0085d\u2028e\u2029f</r>');
    expect(doc.documentElement!.textContent).toBe('a\nb\nc\u0085d\u2028e\u2029f');
    expect(doc.documentElement!.getAttribute('a')).toBe('1 2'); // attribute-value normalization: LF → space
  });

  it('decodes legal character references, including astral ones', () => {
    const doc = parseUntrustedXml('<r a="&#9;&#xA;">&#x1F600;&#233;&amp;</r>');
    expect(doc.documentElement!.textContent).toBe('\u{1F600}é&');
    expect(doc.documentElement!.getAttribute('a')).toBe('\t\n');
  });
});

describe('parseUntrustedXml: DOCTYPE and entities (XML-01..04)', () => {
  const cases: Record<string, string> = {
    'XXE file entity': '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    'external DTD': '<!DOCTYPE r SYSTEM "http://oob.test/x.dtd"><r/>',
    'parameter entity': '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://oob.test/p"> %p;]><r/>',
    'billion laughs': `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><r>&j;</r>`,
    'lower-case doctype': '<!doctype r><r/>',
    'ATTLIST default attribute (CVE-2025-25292 style)': '<!DOCTYPE r [<!ATTLIST Signature xmlns CDATA #FIXED "urn:x">]><r/>',
    'DOCTYPE hidden in a comment': '<!-- <!DOCTYPE r> --><r/>',
    'ENTITY declaration inside content': '<r><!ENTITY x "y"></r>',
  };
  for (const [name, xml] of Object.entries(cases)) {
    it(`refuses ${name} as XML_DOCTYPE`, () => {
      expect(codeOf(parse(xml))).toBe('XML_DOCTYPE');
    });
  }

  it('refuses undeclared entity references as malformed', () => {
    expect(codeOf(parse('<r>&x;</r>'))).toBe('XML_MALFORMED');
  });
});

describe('parseUntrustedXml: processing instructions (XML-06)', () => {
  it('refuses a PI inside text, as in <NameID><?p not-an-?>admin@example.com</NameID>', () => {
    expect(codeOf(parse('<NameID><?p not-an-?>admin@example.com</NameID>'))).toBe('XML_PI');
  });
  it('refuses PIs before and after the root, and xml-stylesheet at the very start', () => {
    expect(codeOf(parse('<?foo bar?><r/>'))).toBe('XML_PI');
    expect(codeOf(parse('<r/><?foo bar?>'))).toBe('XML_PI');
    expect(codeOf(parse('<?xml-stylesheet href="x"?><r/>'))).toBe('XML_PI');
  });
  it('refuses an XML declaration that is not at the start', () => {
    expect(codeOf(parse(' <?xml version="1.0"?><r/>'))).toBe('XML_MALFORMED');
  });
});

describe('parseUntrustedXml: encoding and characters (XML-09)', () => {
  for (const enc of ['UTF-16', 'UTF-7', 'ISO-8859-1', 'US-ASCII']) {
    it(`refuses encoding="${enc}"`, () => {
      expect(codeOf(parse(`<?xml version="1.0" encoding="${enc}"?><r/>`))).toBe('XML_MALFORMED');
    });
  }
  it('refuses a declaration with version 1.1 or extra pseudo-attributes', () => {
    expect(codeOf(parse('<?xml version="1.1"?><r/>'))).toBe('XML_MALFORMED');
    expect(codeOf(parse('<?xml version="1.0" foo="bar"?><r/>'))).toBe('XML_MALFORMED');
  });
  const bad: Record<string, string> = {
    'raw U+0001': '<r>\u0001</r>',
    'raw NUL': '<r>a\u0000b</r>',
    'raw lone surrogate': '<r>\uD800</r>',
    'raw U+FFFE': '<r>\uFFFE</r>',
    'reference &#x1;': '<r>&#x1;</r>',
    'reference &#1; in an attribute': '<r a="&#1;"/>',
    'reference to a surrogate &#xD800;': '<r>&#xD800;</r>',
    'reference beyond U+10FFFF': '<r>&#x110000;</r>',
    'reference &#0;': '<r>&#0;</r>',
  };
  for (const [name, xml] of Object.entries(bad)) {
    it(`refuses ${name}`, () => {
      expect(codeOf(parse(xml))).toBe('XML_MALFORMED');
    });
  }
});

describe('parseUntrustedXml: structure (XML-05, XML-10, XML-13)', () => {
  it('refuses two root elements in either order', () => {
    expect(codeOf(parse('<r a="evil"/><r a="good"/>'))).toBe('XML_MALFORMED');
    expect(codeOf(parse('<r><x/></r><r/>'))).toBe('XML_MALFORMED');
  });
  it('refuses text outside the root element and an empty document', () => {
    expect(codeOf(parse('<r/>trailing'))).toBe('XML_MALFORMED');
    expect(codeOf(parse('leading<r/>'))).toBe('XML_MALFORMED');
    expect(codeOf(parse(''))).toBe('XML_MALFORMED');
    expect(codeOf(parse('   '))).toBe('XML_MALFORMED');
    expect(codeOf(parse('<?xml version="1.0"?>\n<r/>\n x'))).toBe('XML_MALFORMED');
  });
  it('accepts whitespace around the root (the line break after a declaration, a trailing newline)', () => {
    expect(parse('<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- c -->\n<r/>\n')().documentElement?.localName).toBe('r');
  });
  it('refuses duplicate attributes, unbound prefixes and unclosed tags', () => {
    expect(codeOf(parse('<r ID="_evil" ID="_a1"/>'))).toBe('XML_MALFORMED');
    expect(codeOf(parse('<x:r/>'))).toBe('XML_MALFORMED');
    expect(codeOf(parse('<r><a></r>'))).toBe('XML_MALFORMED');
  });
});

describe('parseUntrustedXml: size limits (XML-12)', () => {
  it('refuses input over maxBytes counted in UTF-8 bytes, not UTF-16 units', () => {
    const xml = `<r>${'é'.repeat(60)}</r>`; // 67 characters, 127 bytes
    expect(codeOf(parse(xml, 100))).toBe('XML_TOO_LARGE');
    expect(parseUntrustedXml(xml, { maxBytes: 127 }).documentElement!.textContent).toBe('é'.repeat(60));
  });
  it('defaults to 256 KiB', () => {
    const filler = 'x'.repeat(256 * 1024 - 7);
    expect(parseUntrustedXml(`<r>${filler}</r>`).documentElement!.textContent!.length).toBe(filler.length);
    expect(codeOf(parse(`<r>${filler}x</r>`))).toBe('XML_TOO_LARGE');
  });
  it(`accepts depth ${XML_MAX_DEPTH} and refuses depth ${XML_MAX_DEPTH + 1}`, () => {
    const nest = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    expect(parseUntrustedXml(nest(XML_MAX_DEPTH)).documentElement!.localName).toBe('a');
    expect(codeOf(parse(nest(XML_MAX_DEPTH + 1)))).toBe('XML_TOO_LARGE');
  });
  it('refuses 19 000 nested elements (depth check on the tree) without exhausting the stack', () => {
    const n = 19_000;
    expect(codeOf(parse('<a>'.repeat(n) + '</a>'.repeat(n)))).toBe('XML_TOO_LARGE');
    expect(() => parseUntrustedXml('<a>'.repeat(n) + '</a>'.repeat(n))).toThrow(`nested more than ${XML_MAX_DEPTH} deep`);
  });
  it('refuses 100 000 nested elements before parsing, even with a raised byte limit', () => {
    const n = 100_000;
    // The element-count message (not the depth one) shows the start-tag pre-scan refused it, before xmldom ran.
    expect(() => parseUntrustedXml('<a>'.repeat(n) + '</a>'.repeat(n), { maxBytes: 10_000_000 })).toThrow(`more than ${XML_MAX_ELEMENTS} elements`);
  });
  it('counts start tags only: end tags, comments and PIs-in-comments do not count toward the element limit', () => {
    const xml = `<r>${'<!--c-->'.repeat(XML_MAX_ELEMENTS)}${'<b></b>'.repeat(100)}</r>`;
    expect(childElements(parseUntrustedXml(xml, { maxBytes: 1_000_000 }).documentElement!, null as unknown as string, 'b')).toHaveLength(100);
  });
  it(`accepts ${XML_MAX_ELEMENTS} elements and refuses one more`, () => {
    const flat = (n: number) => `<r>${'<b/>'.repeat(n - 1)}</r>`;
    expect(childElements(parseUntrustedXml(flat(XML_MAX_ELEMENTS)).documentElement!, null as unknown as string, 'b')).toHaveLength(XML_MAX_ELEMENTS - 1);
    expect(codeOf(parse(flat(XML_MAX_ELEMENTS + 1)))).toBe('XML_TOO_LARGE');
  });
});

describe('element selection by namespace URI and local name (XML-10)', () => {
  const doc = parseUntrustedXml(
    '<r xmlns:a="urn:good" xmlns:b="urn:good" xmlns:evil="urn:evil"><a:k>1</a:k><evil:k>evil</evil:k><b:k>2</b:k><k>none</k><a:other/></r>',
  );
  const root = doc.documentElement!;

  it('matches every prefix bound to the namespace and nothing else', () => {
    expect(childElements(root, 'urn:good', 'k').map((e) => e.textContent)).toEqual(['1', '2']);
    expect(childElements(root, 'urn:evil', 'k').map((e) => e.textContent)).toEqual(['evil']);
  });
  it('singleChild throws the chosen code when there are none or several', () => {
    expect(codeOf(() => singleChild(root, 'urn:good', 'k'))).toBe('XML_MALFORMED');
    expect(codeOf(() => singleChild(root, 'urn:good', 'missing', 'APP_REQUEST_INVALID'))).toBe('APP_REQUEST_INVALID');
    expect(singleChild(root, 'urn:evil', 'k').textContent).toBe('evil');
  });
  it('optionalChild returns undefined for none and throws for several', () => {
    expect(optionalChild(root, 'urn:good', 'missing')).toBeUndefined();
    expect(optionalChild(root, 'urn:good', 'other')?.localName).toBe('other');
    expect(codeOf(() => optionalChild(root, 'urn:good', 'k', 'APP_REQUEST_INVALID'))).toBe('APP_REQUEST_INVALID');
  });
  it('elementText refuses an element child instead of flattening it', () => {
    expect(codeOf(() => elementText(root, 'APP_REQUEST_INVALID'))).toBe('APP_REQUEST_INVALID');
  });
});
