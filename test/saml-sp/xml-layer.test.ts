import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  assertionOf,
  b64,
  descendants,
  E,
  edit,
  fragment,
  NS,
  parseXml,
  removeSignature,
  root,
  serializeXml,
  signAssertion,
  signatureOf,
} from '../helpers/saml-test-idp.js';
import { type Sink, startSink, useSamlSp } from './harness.js';

/** Catalogue §1 (XML parser layer), at the upstream-SAML ACS /cdn-cgi/access/callback. */
const TIME_BUDGET_MS = 1000;

/** Puts a DOCTYPE (or any prolog) in front of a Response, after nothing: the Response has no XML declaration. */
const withProlog = (prolog: string, xml: string) => `${prolog}${xml}`;

describe('catalogue §1 XML parser layer at the SAML ACS', () => {
  const sp = useSamlSp(import.meta.url);
  let sink: Sink;
  beforeAll(async () => {
    sink = await startSink();
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('XML-01 classic XXE: external file entity used in NameID', async () => {
    const o = await sp.attempt((c) =>
      withProlog('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', c.G0().replace(`>${ALICE}</saml:NameID>`, '>&x;</saml:NameID>')),
    );
    await sp.expectRejected(o, ['XML_DOCTYPE']);
  });

  it('XML-01 classic XXE: external file entity used in Issuer', async () => {
    const o = await sp.attempt((c) => withProlog('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', c.G0().replace(`>${c.issuer}</saml:Issuer>`, '>&x;</saml:Issuer>')));
    await sp.expectRejected(o, ['XML_DOCTYPE']);
  });

  it('XML-02 out-of-band XXE: external DTD over HTTP, nothing fetched', async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) => withProlog(`<!DOCTYPE r SYSTEM "${sink.url}/x.dtd">`, c.G0()));
    await sp.expectRejected(o, ['XML_DOCTYPE']);
    expect(sink.requests.slice(before)).toEqual([]);
  });

  it('XML-02 out-of-band XXE: parameter entity %p; over HTTP, nothing fetched', async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) => withProlog(`<!DOCTYPE r [<!ENTITY % p SYSTEM "${sink.url}/p.dtd"> %p;]>`, c.G0()));
    await sp.expectRejected(o, ['XML_DOCTYPE']);
    expect(sink.requests.slice(before)).toEqual([]);
  });

  it('XML-03 billion laughs: 10 nested entities x10, rejected in time', async () => {
    let dtd = '<!ENTITY l0 "lol">';
    for (let i = 1; i <= 10; i++) dtd += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
    const o = await sp.attempt((c) => withProlog(`<!DOCTYPE r [${dtd}]>`, c.G0().replace(`>${ALICE}</saml:NameID>`, '>&l10;</saml:NameID>')));
    await sp.expectRejected(o, ['XML_DOCTYPE']);
    expect(o.ms).toBeLessThan(TIME_BUDGET_MS);
  });

  it('XML-03 quadratic blow-up: one 50 KB entity referenced 5 000 times, rejected in time', async () => {
    const o = await sp.attempt((c) =>
      withProlog(`<!DOCTYPE r [<!ENTITY a "${'a'.repeat(50_000)}">]>`, c.G0().replace(`>${ALICE}</saml:NameID>`, `>${'&a;'.repeat(5000)}</saml:NameID>`)),
    );
    await sp.expectRejected(o, ['XML_DOCTYPE']);
    expect(o.ms).toBeLessThan(TIME_BUDGET_MS);
  });

  // XML-04: the three SAML Raider parser-differential payloads, each on G0 and G1, plain and with E().
  const differentials: Array<[string, (xml: string, evil: string) => string]> = [
    // CVE-2025-25291: a SYSTEM literal that looks like the start of a comment to a second parser.
    ['CVE-2025-25291 DOCTYPE SYSTEM literal opening a comment', (xml, evil) => `<!DOCTYPE response SYSTEM 'x"><!--'>${evil}<!--${xml.replace(/--/g, '- -')}-->`],
    // CVE-2025-25292: ATTLIST default attributes re-binding the Signature namespace.
    ['CVE-2025-25292 ATTLIST with a #FIXED xmlns default on Signature', (_xml, evil) => `<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED "${NS.ds}">]>${evil}`],
    // CVE-2025-23369: an internal entity used inside an ID attribute.
    [
      'CVE-2025-23369 entity inside the Assertion ID',
      (_xml, evil) => {
        const id = assertionOf(parseXml(evil)).getAttribute('ID')!;
        return `<!DOCTYPE Response [<!ENTITY idViaEntity "${id}">]>${evil.replace(`ID="${id}"`, 'ID="&idViaEntity;"')}`;
      },
    ],
  ];
  for (const [name, build] of differentials) {
    for (const g of ['G0', 'G1'] as const) {
      it(`XML-04 ${name}, on ${g} unmodified`, async () => {
        const o = await sp.attempt((c) => {
          const xml = c[g]();
          return build(xml, xml);
        });
        await sp.expectRejected(o, ['XML_DOCTYPE']);
      });
      it(`XML-04 ${name}, on E(${g})`, async () => {
        const o = await sp.attempt((c) => {
          const xml = c[g]();
          return build(xml, E(xml));
        });
        await sp.expectRejected(o, ['XML_DOCTYPE']);
      });
    }
  }

  it('XML-05 multiple roots: E(G0) followed by G0', async () => {
    const o = await sp.attempt((c) => `${E(c.G0())}${c.G0()}`);
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  it('XML-05 multiple roots: G0 followed by E(G0)', async () => {
    const o = await sp.attempt((c) => {
      const g = c.G0();
      return `${g}${E(g)}`;
    });
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  it('XML-06 processing instruction inside a signed NameID (<?p not-an-?>admin@example.com) is never admin', async () => {
    const o = await sp.attempt((c) => c.G1({ nameId: 'not-an-admin@example.com' }).replace('>not-an-admin@example.com</saml:NameID>', '><?p not-an-?>admin@example.com</saml:NameID>'));
    await sp.expectRejectedOrAcceptedAs(o, ['XML_PI'], 'not-an-admin@example.com');
  });

  it('XML-06 processing instruction before the root element', async () => {
    const o = await sp.attempt((c) => `<?xml-stylesheet href="http://oob.test/x.xsl"?>${c.G0()}`);
    await sp.expectRejected(o, ['XML_PI']);
  });

  it('XML-06 processing instruction inside the Response, outside any text', async () => {
    const o = await sp.attempt((c) => c.G2().replace('<samlp:Status>', '<?evil data?><samlp:Status>'));
    await sp.expectRejected(o, ['XML_PI']);
  });

  // XML-07: comments are allowed; the value compared is the full text of the verified node.
  it('XML-07 comment inside the Assertion Issuer: full text compared (accepted, equal to the entity ID)', async () => {
    const o = await sp.attempt((c) => c.G0().replaceAll(`<saml:Issuer>${c.issuer}</saml:Issuer>`, `<saml:Issuer>${c.issuer.slice(0, 10)}<!-- x -->${c.issuer.slice(10)}</saml:Issuer>`));
    await sp.expectAccepted(o, ALICE);
  });

  it('XML-07 comment inside Audience: full text compared (accepted)', async () => {
    const o = await sp.attempt((c) => c.G0().replace(`<saml:Audience>${c.audience}</saml:Audience>`, `<saml:Audience>${c.audience.slice(0, 12)}<!---->${c.audience.slice(12)}</saml:Audience>`));
    await sp.expectAccepted(o, ALICE);
  });

  it('XML-07 comment inside Audience that hides a suffix: the suffix counts (rejected)', async () => {
    const o = await sp.attempt((c) => c.G1({ audienceRestrictions: [[`${c.audience}.evil.test`]] }).replace(`${c.audience}.evil.test</saml:Audience>`, `${c.audience}<!---->.evil.test</saml:Audience>`));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('XML-07 comment inside NameID and AttributeValue: full text read (accepted as alice)', async () => {
    const o = await sp.attempt((c) =>
      c
        .G1()
        .replace(`>${ALICE}</saml:NameID>`, '>ali<!-- c -->ce@example.com</saml:NameID>')
        .replace('>engineering</saml:AttributeValue>', '>engi<!---->neering</saml:AttributeValue>'),
    );
    await sp.expectAccepted(o, ALICE);
  });

  it('XML-07 Destination and Recipient are attributes: a comment cannot appear inside them (well-formedness)', async () => {
    const o = await sp.attempt((c) => c.G0().replace(`Destination="${c.acs}"`, `Destination="${c.acs}<!---->"`));
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  it('XML-08 CDATA in a NameID signed that way by K_idp: the reader yields the digested string', async () => {
    const o = await sp.attempt((c) => signAssertion(c.unsigned().replace(`>${ALICE}</saml:NameID>`, '><![CDATA[ali]]>ce@example.com</saml:NameID>'), { key: c.keys.idp }));
    await sp.expectAccepted(o, ALICE);
  });

  it('XML-08 character reference in a NameID signed that way by K_idp: the reader yields the digested string', async () => {
    const o = await sp.attempt((c) => signAssertion(c.unsigned().replace(`>${ALICE}</saml:NameID>`, '>&#x61;lice@example.com</saml:NameID>'), { key: c.keys.idp }));
    await sp.expectAccepted(o, ALICE);
  });

  it('XML-08 CDATA edit of a signed G1 NameID (<![CDATA[admin]]>@example.com)', async () => {
    const o = await sp.attempt((c) => c.G1().replace(`>${ALICE}</saml:NameID>`, '><![CDATA[admin]]>@example.com</saml:NameID>'));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  it('XML-08 character-reference edit of a signed G1 NameID (&#x61;dmin@example.com)', async () => {
    const o = await sp.attempt((c) => c.G1().replace(`>${ALICE}</saml:NameID>`, '>&#x61;dmin@example.com</saml:NameID>'));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  // XML-09: only well-formed UTF-8 is accepted.
  it('XML-09 declaration says UTF-16, body is UTF-8', async () => {
    const o = await sp.attempt((c) => `<?xml version="1.0" encoding="UTF-16"?>${c.G0()}`);
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  it('XML-09 UTF-16 body with byte order mark', async () => {
    const o = await sp.attempt((c) => ({ samlResponse: Buffer.from(`\ufeff<?xml version="1.0" encoding="UTF-16"?>${c.G0()}`, 'utf16le').toString('base64') }));
    await sp.expectRejected(o, ['XML_MALFORMED', 'SAML_ENCODING']);
  });

  it('XML-09 declaration says UTF-7', async () => {
    const o = await sp.attempt((c) => `<?xml version="1.0" encoding="UTF-7"?>${c.G0()}`);
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  it('XML-09 overlong UTF-8 sequence (C0 AF) inside a text node', async () => {
    const o = await sp.attempt((c) => {
      const [head, tail] = c.G0().split('engineering');
      return { samlResponse: Buffer.concat([Buffer.from(`${head}engi`), Buffer.from([0xc0, 0xaf]), Buffer.from(`neering${tail}`)]).toString('base64') };
    });
    await sp.expectRejected(o, ['XML_MALFORMED', 'SAML_ENCODING']);
  });

  it('XML-09 NUL byte inside a text node', async () => {
    const o = await sp.attempt((c) => c.G0().replace('engineering', 'engi\u0000neering'));
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  it('XML-09 lone surrogate character reference &#xD800;', async () => {
    const o = await sp.attempt((c) => c.G0().replace('engineering', 'engi&#xD800;neering'));
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  it('XML-09 character reference to an invalid XML 1.0 char &#x1;', async () => {
    const o = await sp.attempt((c) => c.G0().replace('engineering', 'engi&#x1;neering'));
    await sp.expectRejected(o, ['XML_MALFORMED']);
  });

  // XML-10: selection by (namespace URI, local name), never by prefix.
  it('XML-10a evil Assertion in namespace urn:evil before the real signed one', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const real = assertionOf(doc);
        const copy = real.cloneNode(true) as typeof real;
        removeSignature(copy);
        const evil = serializeXml(copy)
          .replace(/<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/, '<saml:Assertion xmlns:saml="urn:evil"')
          .replace(ALICE, 'admin@example.com')
          .replace(/ ID="[^"]+"/, ' ID="_evil_ns_assertion"');
        root(doc).insertBefore(fragment(doc, evil)[0]!, real);
      }),
    );
    await sp.expectRejected(o, ['SAML_STRUCTURE']);
  });

  it('XML-10b prefix saml re-bound mid-document to hold an evil Subject (IdP-signed): never admin', async () => {
    const o = await sp.attempt((c) => {
      const unsigned = c.unsigned().replace('<saml:Subject>', `<saml:Subject xmlns:saml="urn:evil"><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">admin@example.com</saml:NameID></saml:Subject><saml:Subject>`);
      return signAssertion(unsigned, { key: c.keys.idp });
    });
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_STRUCTURE'], ALICE);
  });

  it('XML-10c default namespace removed: elements named Response/Assertion in no namespace', async () => {
    const o = await sp.attempt((c) =>
      c
        .G1()
        .replace(/ xmlns:samlp="[^"]*"/g, '')
        .replace(/ xmlns:saml="[^"]*"/g, '')
        .replace(/<(\/?)samlp?:/g, '<$1'),
    );
    await sp.expectRejected(o, ['SAML_STRUCTURE', 'XML_MALFORMED']);
  });

  it('XML-10d xmlns:ds bound to a non-DSig URI on the element that looks like the Signature (G1)', async () => {
    const o = await sp.attempt((c) => c.G1().replace(`<ds:Signature xmlns:ds="${NS.ds}">`, '<ds:Signature xmlns:ds="urn:evil">'));
    await sp.expectRejected(o, ['SAML_STRUCTURE']);
  });

  it('XML-10d xmlns:ds bound to a non-DSig URI on the fake Signature of E(G1)', async () => {
    const o = await sp.attempt((c) => E(c.G1()).replace(`<ds:Signature xmlns:ds="${NS.ds}">`, '<ds:Signature xmlns:ds="urn:evil">'));
    await sp.expectRejected(o, ['SAML_STRUCTURE']);
  });

  it('XML-10e invalid namespace URI http://example.com\\u0080 (SAML Raider CVE_2025_25292)', async () => {
    const o = await sp.attempt((c) => c.G1().replace(`<ds:Signature xmlns:ds="${NS.ds}">`, `<ds:Signature xmlns:ds="${NS.ds}" xmlns:x="http://example.com\u0080">`));
    await sp.expectRejected(o, ['XML_MALFORMED', 'SAML_SIG_INVALID']);
  });

  it('XML-11 XInclude inside an IdP-signed AttributeValue: never fetched, value inert', async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) =>
      signAssertion(
        c.unsigned().replace('>engineering</saml:AttributeValue>', `><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${sink.url}/xi"/><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/></saml:AttributeValue>`),
        { key: c.keys.idp },
      ),
    );
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_STRUCTURE'], ALICE);
    expect(sink.requests.slice(before)).toEqual([]);
  });

  it('XML-11 xsi:schemaLocation and xml:base pointing at an HTTP sink: never fetched', async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) =>
      c.G0().replace('<samlp:Response ', `<samlp:Response xmlns:xsi="${NS.xsi}" xsi:schemaLocation="${NS.samlp} ${sink.url}/schema.xsd" xml:base="${sink.url}/base/" `),
    );
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_STRUCTURE', 'SAML_SIG_INVALID'], ALICE);
    expect(sink.requests.slice(before)).toEqual([]);
  });

  // XML-12: size and depth limits, enforced in time. A form body over 512 KiB is refused while it is read, before
  // Gatehouse knows which login it names; those cases check that nothing changed instead of "consumed".
  const tooLarge = ['XML_TOO_LARGE', 'SAML_TOO_LARGE'];
  it('XML-12 10 MB SAMLResponse', async () => {
    const o = await sp.attempt((c) => c.G0().replace('engineering', 'x'.repeat(10 * 1024 * 1024)));
    await sp.expectRejected(o, tooLarge, { bodyUnread: true });
    expect(o.ms).toBeLessThan(3 * TIME_BUDGET_MS);
  });

  it('XML-12 100 000 nested elements', async () => {
    const o = await sp.attempt((c) => c.G0().replace('engineering', `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`));
    await sp.expectRejected(o, tooLarge, { bodyUnread: true });
    expect(o.ms).toBeLessThan(TIME_BUDGET_MS);
  });

  it('XML-12 1 000 nested elements (under the size limit, over any sane depth)', async () => {
    const o = await sp.attempt((c) => c.G0().replace('engineering', `${'<a>'.repeat(1000)}${'</a>'.repeat(1000)}`));
    await sp.expectRejected(o, tooLarge);
    expect(o.ms).toBeLessThan(TIME_BUDGET_MS);
  });

  it('XML-12 100 000 attributes on one element', async () => {
    const attrs = Array.from({ length: 100_000 }, (_, i) => ` a${i}="x"`).join('');
    const o = await sp.attempt((c) => c.G0().replace('<saml:AttributeStatement>', `<saml:AttributeStatement${attrs}>`));
    await sp.expectRejected(o, tooLarge, { bodyUnread: true });
    expect(o.ms).toBeLessThan(TIME_BUDGET_MS);
  });

  it('XML-12 5 MB attribute value', async () => {
    const o = await sp.attempt((c) => c.G0().replace('<saml:AttributeStatement>', `<saml:AttributeStatement a="${'x'.repeat(5 * 1024 * 1024)}">`));
    await sp.expectRejected(o, tooLarge, { bodyUnread: true });
    expect(o.ms).toBeLessThan(3 * TIME_BUDGET_MS);
  });

  it('XML-12 20 000 AttributeValue elements', async () => {
    const o = await sp.attempt((c) => c.G0().replace('>engineering</saml:AttributeValue>', `>engineering</saml:AttributeValue>${'<saml:AttributeValue>g</saml:AttributeValue>'.repeat(20_000)}`));
    await sp.expectRejected(o, tooLarge, { bodyUnread: true });
    expect(o.ms).toBeLessThan(TIME_BUDGET_MS);
  });

  // XML-13: attribute pollution (see SP-WRAP-07 for the two-element variants).
  const pollute = (extra: (id: string) => string) => (xml: string) =>
    edit(xml, (doc) => {
      const a = assertionOf(doc);
      const id = a.getAttribute('ID')!;
      const tmp = fragment(doc, `<x ${extra(id)}/>`)[0] as unknown as { attributes: ArrayLike<{ name: string; value: string; namespaceURI: string | null }> };
      for (const at of Array.from(tmp.attributes)) a.setAttributeNS(at.namespaceURI, at.name, at.value);
      a.setAttribute('ID', '_evil');
    });
  for (const [name, extra] of [
    ['saml:ID', (id: string) => `saml:ID="${id}"`],
    ['Id', (id: string) => `Id="${id}"`],
    ['xml:id', (id: string) => `xml:id="${id}"`],
    ['wsu:Id', (id: string) => `xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" wsu:Id="${id}"`],
  ] as const) {
    it(`XML-13 Assertion ID="_evil" with ${name} = the signed ID, E() applied`, async () => {
      const o = await sp.attempt((c) => E(pollute(extra)(c.G1())));
      await sp.expectRejected(o, ['SAML_DUPLICATE_ID']);
    });
  }

  it('XML-13 the ID attribute written twice on the Assertion', async () => {
    const o = await sp.attempt((c) => {
      const g = c.G1();
      const id = assertionOf(parseXml(g)).getAttribute('ID')!;
      return g.replace(`ID="${id}"`, `ID="${id}" ID="_evil"`);
    });
    await sp.expectRejected(o, ['XML_MALFORMED', 'SAML_DUPLICATE_ID']);
  });

  // XML-14: transport encoding of the XML carrier.
  it('XML-14 canonical base64 with line breaks every 76 characters is accepted', async () => {
    const o = await sp.attempt((c) => ({ samlResponse: b64(c.G0()).replace(/.{76}/g, '$&\n') }));
    await sp.expectAccepted(o, ALICE);
  });

  it('XML-14 canonical base64 with CRLF line breaks is accepted', async () => {
    const o = await sp.attempt((c) => ({ samlResponse: b64(c.G0()).replace(/.{64}/g, '$&\r\n') }));
    await sp.expectAccepted(o, ALICE);
  });

  /** G0 whose base64 has "==" padding and both + and / (forced with a trailing comment). */
  const paddedG0 = (c: { G0(): string }) => {
    let xml = `${c.G0()}<!--`;
    while (Buffer.byteLength(xml) % 3 !== 0) xml += ' ';
    xml += '???>>>-->';
    while (Buffer.byteLength(xml) % 3 !== 1) xml += ' ';
    const s = b64(xml);
    if (!s.includes('+') || !s.includes('/') || !s.endsWith('==')) throw new Error('fixture: base64 lacks + / or padding');
    return s;
  };
  const badEncodings: Array<[string, (s: string) => string]> = [
    ['URL-safe alphabet', (s) => s.replace(/\+/g, '-').replace(/\//g, '_')],
    ['embedded spaces and tabs', (s) => `${s.slice(0, 40)} \t ${s.slice(40)}`],
    ['missing padding', (s) => s.replace(/=+$/, '')],
    ['trailing garbage after =', (s) => `${s}garbage`],
    ['percent-encoded twice', (s) => encodeURIComponent(s)],
    ['+ turned into space', (s) => s.replace(/\+/g, ' ')],
  ];
  for (const [name, mangle] of badEncodings) {
    it(`XML-14 SAMLResponse with ${name}`, async () => {
      const o = await sp.attempt((c) => ({ samlResponse: mangle(paddedG0(c)) }));
      await sp.expectRejected(o, ['SAML_ENCODING']);
    });
  }

  it('XML-14 SAMLResponse base64-encoded twice', async () => {
    const o = await sp.attempt((c) => ({ samlResponse: b64(b64(c.G0())) }));
    await sp.expectRejected(o, ['SAML_ENCODING', 'XML_MALFORMED']);
  });

  it('XML-15 (IdP-side deflate bomb; at the ACS) a raw-DEFLATEd SAMLResponse is rejected, not inflated', async () => {
    const o = await sp.attempt((c) => ({ samlResponse: deflateRawSync(Buffer.from(c.G0())).toString('base64') }));
    await sp.expectRejected(o, ['SAML_ENCODING', 'XML_MALFORMED']);
  });

  it('XML-15 (IdP-side deflate bomb; at the ACS) a DEFLATE bomb posted as SAMLResponse is never inflated, answered in time', async () => {
    const bomb = deflateRawSync(Buffer.alloc(100 * 1024 * 1024, 0x20), { level: 9 }).toString('base64');
    const o = await sp.attempt(() => ({ samlResponse: bomb }));
    await sp.expectRejected(o, ['SAML_ENCODING', 'XML_MALFORMED']);
    expect(o.ms).toBeLessThan(TIME_BUDGET_MS);
  });

  it('fixture sanity: the golden G0 of this suite is accepted as alice', async () => {
    const o = await sp.attempt((c) => c.G0());
    await sp.expectAccepted(o, ALICE);
    expect(descendants(parseXml(o.sentXml!), NS.ds, 'Signature')).toHaveLength(2);
    expect(signatureOf(assertionOf(parseXml(o.sentXml!)))).toBeTruthy();
  });
});
