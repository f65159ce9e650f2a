import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ADMIN,
  ALG,
  ALICE,
  assertionOf,
  child,
  digest,
  E,
  edit,
  evilEditAssertion,
  excC14n,
  fragment,
  NS,
  parseXml,
  removeSignature,
  root,
  signAssertion,
  signatureOf,
  xsw1,
  xsw10,
  xsw2,
  xsw3,
  xsw4,
  xsw5,
  xsw6,
  xsw7,
  xsw8,
} from '../helpers/saml-test-idp.js';
import { useSamlSp } from './harness.js';

/** Catalogue §2.4 XML Signature Wrapping (SP-XSW*, SP-WRAP-*). */
describe('catalogue §2.4 SP-XSW / SP-WRAP signature wrapping', () => {
  const sp = useSamlSp(import.meta.url);

  it('SP-XSW1 Response clone inside the Response Signature, outer Response evil (input G2)', async () => {
    const o = await sp.attempt((c) => xsw1(c.G2()));
    await sp.expectRejected(o, ['SAML_SIG_SCOPE', 'SAML_WRAPPING']);
  });

  it('SP-XSW2 Response clone as a sibling before the Response Signature (input G2)', async () => {
    const o = await sp.attempt((c) => xsw2(c.G2()));
    await sp.expectRejected(o, ['SAML_WRAPPING']);
  });

  it('SP-XSW3 evil assertion before the signed one (input G1)', async () => {
    const o = await sp.attempt((c) => xsw3(c.G1()));
    await sp.expectRejected(o, ['SAML_MULTIPLE_ASSERTIONS']);
  });

  it('SP-XSW4 signed Assertion wrapped inside the evil Assertion (input G1)', async () => {
    const o = await sp.attempt((c) => xsw4(c.G1()));
    await sp.expectRejected(o, ['SAML_WRAPPING']);
  });

  it('SP-XSW5 evil Assertion keeps the stale Signature, unsigned copy of the original appended (input G1)', async () => {
    const o = await sp.attempt((c) => xsw5(c.G1()));
    await sp.expectRejected(o, ['SAML_MULTIPLE_ASSERTIONS', 'SAML_SIG_INVALID']);
  });

  it('SP-XSW6 copy of the original hidden inside the evil Assertion Signature (input G1)', async () => {
    const o = await sp.attempt((c) => xsw6(c.G1()));
    await sp.expectRejected(o, ['SAML_WRAPPING']);
  });

  it('SP-XSW7 evil Assertion in an Extensions element before the signed one (input G1): never admin', async () => {
    const o = await sp.attempt((c) => xsw7(c.G1()));
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_STRUCTURE'], ALICE);
  });

  it('SP-XSW8 copy of the original inside a ds:Object of the evil Assertion Signature (input G1)', async () => {
    const o = await sp.attempt((c) => xsw8(c.G1()));
    await sp.expectRejected(o, ['SAML_WRAPPING']);
  });

  it('SP-XSW10 Assertion Signature moved to the Response with the original Assertion in ds:Object (input G0)', async () => {
    const o = await sp.attempt((c) => xsw10(c.G0()));
    await sp.expectRejected(o, ['SAML_WRAPPING']);
  });

  it('SP-XSW10 same shape from G1', async () => {
    const o = await sp.attempt((c) => xsw10(c.G1()));
    await sp.expectRejected(o, ['SAML_WRAPPING']);
  });

  it('SP-WRAP-01 signed Assertion hidden in samlp:Extensions, evil Assertion with the same ID and a copy of its Signature', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const resp = root(doc);
        const original = assertionOf(doc);
        const evil = original.cloneNode(true) as typeof original;
        evilEditAssertion(evil);
        const ext = doc.createElementNS(NS.samlp, 'samlp:Extensions');
        resp.insertBefore(ext, child(resp, NS.samlp, 'Status'));
        resp.replaceChild(evil, original);
        ext.appendChild(original);
      }),
    );
    await sp.expectRejected(o, ['SAML_DUPLICATE_ID', 'SAML_STRUCTURE']);
  });

  it('SP-WRAP-02 planted DigestValue of the evil assertion in samlp:Extensions (CVE-2024-45409)', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const resp = root(doc);
        const a = assertionOf(doc);
        evilEditAssertion(a);
        const ext = doc.createElementNS(NS.samlp, 'samlp:Extensions');
        for (const n of fragment(doc, `<ds:DigestValue>${digest(ALG.sha256, excC14n(a))}</ds:DigestValue>`)) ext.appendChild(n);
        resp.insertBefore(ext, child(resp, NS.samlp, 'Status'));
      }),
    );
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  it('SP-WRAP-03 DigestValue of the evil assertion hidden in a comment before the original (CVE-2025-29775)', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const a = assertionOf(doc);
        evilEditAssertion(a);
        const dv = a.getElementsByTagNameNS(NS.ds, 'DigestValue')[0]!;
        dv.insertBefore(doc.createComment(digest(ALG.sha256, excC14n(a))), dv.firstChild);
      }),
    );
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  for (const wrapped of [false, true]) {
    it(`SP-WRAP-04 a second SignedInfo for the evil assertion ${wrapped ? 'wrapped in an unknown element' : 'as a direct child'} before the real one (CVE-2025-29774)`, async () => {
      const o = await sp.attempt((c) =>
        edit(c.G1(), (doc) => {
          const a = assertionOf(doc);
          evilEditAssertion(a);
          const sig = signatureOf(a);
          const real = child(sig, NS.ds, 'SignedInfo');
          const second = real.cloneNode(true) as typeof real;
          const dv = second.getElementsByTagNameNS(NS.ds, 'DigestValue')[0]!;
          while (dv.firstChild) dv.removeChild(dv.firstChild);
          dv.appendChild(doc.createTextNode(digest(ALG.sha256, excC14n(a))));
          if (wrapped) {
            const w = doc.createElementNS(null, 'WRAPPER');
            w.appendChild(second);
            sig.insertBefore(w, real);
          } else sig.insertBefore(second, real);
        }),
      );
      await sp.expectRejected(o, ['SAML_SIG_INVALID', 'SAML_STRUCTURE']);
    });
  }

  it('SP-WRAP-05 comment inside a signed NameID alice.admin@example.com: the identity is the verified full value', async () => {
    const o = await sp.attempt((c) => c.G1({ nameId: 'alice.admin@example.com' }).replace('>alice.admin@example.com</saml:NameID>', '>alice.<!---->admin@example.com</saml:NameID>'));
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_SIG_INVALID'], 'alice.admin@example.com');
  });

  it('SP-WRAP-05 a character of the signed NameID moved into a comment: rejected or the verified value, never the shortened one', async () => {
    const o = await sp.attempt((c) => c.G1({ nameId: 'alice.admin@example.com' }).replace('>alice.admin@example.com</saml:NameID>', '><!--alice.-->admin@example.com</saml:NameID>'));
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_SIG_INVALID'], 'alice.admin@example.com');
  });

  it('SP-WRAP-05 generic: E() on G1 plus comments that leave the canonical digest of the original untouched', async () => {
    const o = await sp.attempt((c) => c.G1().replace(`>${ALICE}</saml:NameID>`, `>${ALICE}<!--${ADMIN}--></saml:NameID>`));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-WRAP-06 unsigned evil Assertion (new ID) appended after the signed one (CVE-2022-41912)', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const evil = assertionOf(doc).cloneNode(true) as ReturnType<typeof assertionOf>;
        removeSignature(evil);
        evil.setAttribute('ID', '_evil_assertion_ID');
        evilEditAssertion(evil);
        root(doc).appendChild(evil);
      }),
    );
    await sp.expectRejected(o, ['SAML_MULTIPLE_ASSERTIONS']);
  });

  it('SP-WRAP-06 Assertion plus EncryptedAssertion in one Response', async () => {
    const o = await sp.attempt((c) => c.G2().replace('</samlp:Response>', `<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="${NS.xenc}"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion></samlp:Response>`));
    await sp.expectRejected(o, ['SAML_MULTIPLE_ASSERTIONS', 'SAML_ENCRYPTION_NOT_ENABLED']);
  });

  it('SP-WRAP-07a evil Assertion with the signed ID in another subtree (Status/StatusDetail)', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const evil = assertionOf(doc).cloneNode(true) as ReturnType<typeof assertionOf>;
        removeSignature(evil);
        evilEditAssertion(evil);
        const detail = doc.createElementNS(NS.samlp, 'samlp:StatusDetail');
        detail.appendChild(evil);
        child(root(doc), NS.samlp, 'Status').appendChild(detail);
      }),
    );
    // Both properties hold (a duplicated ID, and an Assertion nested outside its place); Gatehouse reports the
    // nesting first, as it does for XSW1-8, where the clones also repeat IDs.
    await sp.expectRejected(o, ['SAML_DUPLICATE_ID', 'SAML_WRAPPING']);
  });

  // b-e: the ID-like attributes sit on an element that is not an Assertion (StatusDetail allows any content), so
  // the rejection must come from counting every ID-like attribute, not from the nested-Assertion rule.
  const inStatusDetail = (attrs: (id: string) => string) => (xml: string) =>
    edit(xml, (doc) => {
      const id = assertionOf(doc).getAttribute('ID')!;
      const detail = doc.createElementNS(NS.samlp, 'samlp:StatusDetail');
      for (const n of fragment(doc, `<ext:Evil xmlns:ext="urn:ext" ${attrs(id)}><ext:NameID>${ADMIN}</ext:NameID></ext:Evil>`)) detail.appendChild(n);
      child(root(doc), NS.samlp, 'Status').appendChild(detail);
    });
  for (const [label, attrs] of [
    ['b evil element ID="_evil" Id=<signed ID>', (id: string) => `ID="_evil" Id="${id}"`],
    ['c evil element with xml:id=<signed ID>', (id: string) => `ID="_evil" xml:id="${id}"`],
    ['d evil element with a namespaced foo:ID=<signed ID>', (id: string) => `ID="_evil" xmlns:foo="urn:foo" foo:ID="${id}"`],
    ['e evil element whose ID is the signed ID with a leading space', (id: string) => `ID=" ${id}"`],
    ['e evil element whose ID is the signed ID with a trailing space', (id: string) => `ID="${id} "`],
    ['b evil element with id=<signed ID> (lower case)', (id: string) => `ID="_evil" id="${id}"`],
  ] as Array<[string, (id: string) => string]>) {
    it(`SP-WRAP-07${label}`, async () => {
      const o = await sp.attempt((c) => inStatusDetail(attrs)(c.G1()));
      await sp.expectRejected(o, ['SAML_DUPLICATE_ID']);
    });
  }

  it('SP-WRAP-09 SAML Raider CVE-2025-25291 payload on G1 (DOCTYPE/comment hiding)', async () => {
    const o = await sp.attempt((c) => {
      const g = c.G1();
      return `<!DOCTYPE response SYSTEM 'x"><!--'>${E(g)}<!--${g.replace(/--/g, '- -')}-->`;
    });
    await sp.expectRejected(o, ['XML_DOCTYPE']);
  });

  it('SP-WRAP-09 SAML Raider CVE-2025-25292 payload on G1 (ATTLIST namespace default)', async () => {
    const o = await sp.attempt((c) => `<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED "${NS.ds}">]>${E(c.G1())}`);
    await sp.expectRejected(o, ['XML_DOCTYPE']);
  });

  it('SP-WRAP-09 S_other: an old genuinely signed assertion for the attacker, times refreshed around it', async () => {
    const o = await sp.attempt((c) => {
      const old = c.G1({ nameId: 'mallory@example.com', now: Date.now() - 3600_000 });
      return `<!DOCTYPE Response [<!ENTITY t "${new Date().toISOString()}">]>${old}`;
    });
    await sp.expectRejected(o, ['XML_DOCTYPE']);
  });

  it('SP-WRAP-09 architecture: one XML parser on the SAML path (@xmldom/xmldom), no regex/xml2js/fast-xml-parser extraction', () => {
    const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
      }
    };
    walk(srcDir);
    const offenders = files.filter((f) => /from ['"](xml2js|fast-xml-parser|sax|saxes|libxmljs2?|xml-js|txml|htmlparser2|cheerio)['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
    const samlFiles = files.filter((f) => f.includes(`${join('connectors', 'saml')}`));
    expect(samlFiles.length).toBeGreaterThan(0);
    for (const f of samlFiles) {
      const text = readFileSync(f, 'utf8');
      expect(/new DOMParser\(/.test(text) && !text.includes('@xmldom/xmldom'), `${f} builds a DOMParser not from @xmldom/xmldom`).toBe(false);
      expect(/\.match\(\/<saml|NameID>\(|<NameID\[\^>\]\*>/.test(text), `${f} extracts SAML values with a regular expression`).toBe(false);
    }
  });

  const signedWith = (extra: { subject?: string; conditions?: string; assertion?: string }) => (c: { unsigned(o?: object): string; keys: { idp: never } }) =>
    signAssertion(c.unsigned({ ...(extra.subject ? { extraSubjectXml: extra.subject } : {}), ...(extra.conditions ? { extraConditionsXml: extra.conditions } : {}), ...(extra.assertion ? { extraAssertionXml: extra.assertion } : {}) }), { key: c.keys.idp });
  const dupes: Array<[string, { subject?: string; conditions?: string; assertion?: string }, (xml: string) => string]> = [
    ['a second Conditions with a far-future NotOnOrAfter', { assertion: '<saml:Conditions NotOnOrAfter="2999-01-01T00:00:00Z"/>' }, (x) => x.replace('</saml:Conditions>', '</saml:Conditions><saml:Conditions NotOnOrAfter="2999-01-01T00:00:00Z"/>')],
    ['a second Subject with NameID admin', { assertion: `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${ADMIN}</saml:NameID></saml:Subject>` }, (x) => x.replace('</saml:Subject>', `</saml:Subject><saml:Subject><saml:NameID>${ADMIN}</saml:NameID></saml:Subject>`)],
    ['a second NameID admin in the Subject', { subject: `<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${ADMIN}</saml:NameID>` }, (x) => x.replace('</saml:NameID>', `</saml:NameID><saml:NameID>${ADMIN}</saml:NameID>`)],
    ['a second AttributeStatement with groups=admins', { assertion: '<saml:AttributeStatement><saml:Attribute Name="groups"><saml:AttributeValue>admins</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>' }, (x) => x.replace('</saml:AttributeStatement>', '</saml:AttributeStatement><saml:AttributeStatement><saml:Attribute Name="groups"><saml:AttributeValue>admins</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>')],
  ];
  for (const [label, extra, editSigned] of dupes) {
    it(`SP-WRAP-13 ${label}, signed by K_idp (the reader)`, async () => {
      const o = await sp.attempt((c) => signedWith(extra)(c as never));
      await sp.expectRejected(o, ['SAML_STRUCTURE']);
    });
    it(`SP-WRAP-13 ${label}, added to a signed G1 (the verifier)`, async () => {
      const o = await sp.attempt((c) => editSigned(c.G1()));
      await sp.expectRejected(o, ['SAML_STRUCTURE', 'SAML_SIG_INVALID']);
    });
  }

  it('fixture check: every XSW shape keeps the original signed Assertion bytes somewhere', () => {
    const doc = parseXml(xsw8('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a"><saml:Issuer>i</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/><saml:Subject><saml:NameID>alice@example.com</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>'));
    expect(doc.getElementsByTagNameNS(NS.ds, 'Object')).toHaveLength(1);
    expect(assertionOf(doc).getAttribute('ID')).toBe('_evil_assertion_ID');
  });
});
