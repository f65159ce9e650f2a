import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALG,
  ALICE,
  assertionOf,
  child,
  E,
  edit,
  fragment,
  idOf,
  insertAfter,
  NS,
  removeSignature,
  resignSignedInfo,
  root,
  signatureOf,
  signElementXml,
  STATUS,
} from '../helpers/saml-test-idp.js';
import { samlIdpApiBody, type Sink, startSink, useSamlSp } from './harness.js';

/** Catalogue §2.1 signature presence and placement (SP-SIG-*). */
const byId = (id: string) => `//*[@ID='${id}']`;

describe('catalogue §2.1 SP-SIG signature presence and placement', () => {
  const sp = useSamlSp(import.meta.url);
  let sink: Sink;
  beforeAll(async () => {
    sink = await startSink();
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('SP-SIG-01 completely unsigned E(G0)', async () => {
    const o = await sp.attempt((c) =>
      edit(E(c.G0()), (doc) => {
        removeSignature(assertionOf(doc));
        removeSignature(root(doc));
      }),
    );
    await sp.expectRejected(o, ['SAML_UNSIGNED']);
  });

  it('SP-SIG-01 completely unsigned G0 for alice', async () => {
    const o = await sp.attempt((c) => c.unsigned());
    await sp.expectRejected(o, ['SAML_UNSIGNED']);
  });

  it('SP-SIG-02 E(G0) with the Assertion signature stripped, the (now invalid) Response signature kept', async () => {
    const o = await sp.attempt((c) => edit(E(c.G0()), (doc) => removeSignature(assertionOf(doc))));
    await sp.expectRejected(o, ['SAML_SIG_INVALID', 'SAML_ASSERTION_UNSIGNED']);
  });

  it('SP-SIG-02 E(G1) with the Assertion signature stripped (nothing signed is left)', async () => {
    const o = await sp.attempt((c) => edit(E(c.G1()), (doc) => removeSignature(assertionOf(doc))));
    await sp.expectRejected(o, ['SAML_SIG_INVALID', 'SAML_ASSERTION_UNSIGNED', 'SAML_UNSIGNED']);
  });

  it('SP-SIG-03 an IdP without a parseable certificate cannot be saved (REJ-CFG): empty, whitespace, malformed PEM', async () => {
    const valid = await sp.gh.api('/identity_providers', { body: samlIdpApiBody('cfg-valid', [sp.keys.idp.certificatePem]) });
    expect(valid.status, JSON.stringify(valid.body)).toBe(200);
    for (const certs of [[], [''], ['   \n '], ['-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'], ['garbage']]) {
      const res = await sp.gh.api('/identity_providers', { body: samlIdpApiBody('cfg-bad', certs) });
      expect(res.status, `certs ${JSON.stringify(certs)} → ${JSON.stringify(res.body)}`).toBe(400);
    }
    const noField = samlIdpApiBody('cfg-none', []);
    delete (noField.config as Record<string, unknown>).idp_public_certs;
    expect((await sp.gh.api('/identity_providers', { body: noField })).status).toBe(400);
  });

  for (const [label, certs] of [
    ['no certificate', []],
    ['a whitespace certificate', ['   ']],
    ['a malformed PEM', ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']],
  ] as Array<[string, string[]]>) {
    it(`SP-SIG-03 store corrupted at runtime (${label}): signed G0 fails closed`, async () => {
      try {
        const o = await sp.attempt(async (c) => {
          await sp.updateConfig({ idpPublicCerts: certs });
          return c.G0();
        });
        await sp.expectRejected(o, ['SAML_NO_TRUST']);
      } finally {
        await sp.resetConfig();
      }
    });
    it(`SP-SIG-03 store corrupted at runtime (${label}): unsigned E(G0) fails closed`, async () => {
      try {
        const o = await sp.attempt(async (c) => {
          await sp.updateConfig({ idpPublicCerts: certs });
          return c.unsigned({ nameId: 'admin@example.com' });
        });
        await sp.expectRejected(o, ['SAML_NO_TRUST', 'SAML_UNSIGNED']);
      } finally {
        await sp.resetConfig();
      }
    });
  }

  const breakAssertionSignature = (fn: (sig: ReturnType<typeof signatureOf>, doc: Parameters<Parameters<typeof edit>[1]>[0]) => void) => (xml: string) =>
    edit(xml, (doc) => fn(signatureOf(assertionOf(doc)), doc));
  const sigInvalid = ['SAML_SIG_INVALID'];
  const garbage: Array<[string, (sig: ReturnType<typeof signatureOf>, doc: Parameters<Parameters<typeof edit>[1]>[0]) => void]> = [
    ['empty <ds:SignatureValue/>', (sig) => {
      const v = child(sig, NS.ds, 'SignatureValue');
      while (v.firstChild) v.removeChild(v.firstChild);
    }],
    ['random base64 SignatureValue', (sig) => {
      const v = child(sig, NS.ds, 'SignatureValue');
      while (v.firstChild) v.removeChild(v.firstChild);
      v.appendChild(sig.ownerDocument!.createTextNode(randomBytes(256).toString('base64')));
    }],
    ['no SignedInfo', (sig) => sig.removeChild(child(sig, NS.ds, 'SignedInfo'))],
    ['no SignatureValue', (sig) => sig.removeChild(child(sig, NS.ds, 'SignatureValue'))],
    ['two SignatureValue elements', (sig) => insertAfter(child(sig, NS.ds, 'SignatureValue').cloneNode(true), child(sig, NS.ds, 'SignatureValue'))],
  ];
  for (const [name, fn] of garbage) {
    it(`SP-SIG-04 G1 with ${name}: rejected, never a 500`, async () => {
      const o = await sp.attempt((c) => breakAssertionSignature(fn)(c.G1()));
      await sp.expectRejected(o, sigInvalid);
    });
    it(`SP-SIG-04 E(G1) with ${name}: rejected, never a 500`, async () => {
      const o = await sp.attempt((c) => breakAssertionSignature(fn)(E(c.G1())));
      await sp.expectRejected(o, sigInvalid);
    });
  }

  it('SP-SIG-05 K_idp signature inside the Assertion whose Reference points to the Assertion Issuer', async () => {
    const o = await sp.attempt((c) => {
      const x = c.unsigned();
      const id = idOf(x, 'assertion');
      return signElementXml(x, id, { key: c.keys.idp, referenceXpath: `${byId(id)}/*[local-name()='Issuer']` });
    });
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-05 K_idp signature inside the Assertion whose Reference points to the Response', async () => {
    const o = await sp.attempt((c) => {
      const x = c.unsigned();
      return signElementXml(x, idOf(x, 'assertion'), { key: c.keys.idp, referenceXpath: byId(idOf(x, 'response')) });
    });
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-05 K_idp signature inside the Assertion whose Reference points to another element carrying an ID (Subject)', async () => {
    const o = await sp.attempt((c) => {
      const x = c.unsigned();
      const id = idOf(x, 'assertion');
      return signElementXml(x, id, { key: c.keys.idp, referenceXpath: `${byId(id)}/*[local-name()='Subject']` });
    });
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-05 Assertion signature with URI="" (whole document)', async () => {
    const o = await sp.attempt((c) => {
      const x = c.unsigned();
      return signElementXml(x, idOf(x, 'assertion'), { key: c.keys.idp, emptyUri: true, referenceXpath: '/*' });
    });
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-06 two References in the Assertion SignedInfo (Assertion and Response)', async () => {
    const o = await sp.attempt((c) => {
      const x = c.unsigned();
      return signElementXml(x, idOf(x, 'assertion'), { key: c.keys.idp, extraReferenceXpaths: [byId(idOf(x, 'response'))] });
    });
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-06 two References to the same Assertion ID', async () => {
    const o = await sp.attempt((c) => {
      const x = c.unsigned();
      const id = idOf(x, 'assertion');
      return signElementXml(x, id, { key: c.keys.idp, extraReferenceXpaths: [byId(id)] });
    });
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-07 the Assertion carries two copies of its Signature', async () => {
    const o = await sp.attempt((c) => edit(c.G1(), (doc) => insertAfter(signatureOf(assertionOf(doc)).cloneNode(true), signatureOf(assertionOf(doc)))));
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-07 the Assertion Signature moved one level deeper (inside Subject)', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const a = assertionOf(doc);
        const sig = signatureOf(a);
        a.removeChild(sig);
        child(a, NS.saml, 'Subject').appendChild(sig);
      }),
    );
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-07 a K_idp signature over the Assertion placed inside Subject (valid crypto, wrong place)', async () => {
    const o = await sp.attempt((c) => {
      const x = c.unsigned();
      const id = idOf(x, 'assertion');
      return signElementXml(x, id, { key: c.keys.idp, location: { reference: `${byId(id)}/*[local-name()='Subject']`, action: 'append' } });
    });
    await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
  });

  it('SP-SIG-08 E(G2): Response signed, unsigned Assertion altered', async () => {
    const o = await sp.attempt((c) => E(c.G2()));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  it('SP-SIG-08 companion: G2 unmodified is accepted as alice (policy: a Response signature is sufficient)', async () => {
    const o = await sp.attempt((c) => c.G2());
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-SIG-08 companion: G1 unmodified is accepted as alice', async () => {
    const o = await sp.attempt((c) => c.G1());
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-SIG-09 G1 with Response Destination changed to another URL', async () => {
    const o = await sp.attempt((c) => c.G1().replace(`Destination="${c.acs}"`, 'Destination="https://evil.test/cdn-cgi/access/callback"'));
    await sp.expectRejected(o, ['SAML_DESTINATION']);
  });

  it('SP-SIG-09 G1 with Response InResponseTo changed to a REQ id of another browser', async () => {
    const other = await sp.startLogin();
    const o = await sp.attempt((c) => c.G1().replace(`InResponseTo="${c.requestId}"`, `InResponseTo="${other.requestId}"`));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO']);
  });

  it('SP-SIG-09 G1 with the unsigned Status changed from Success to Responder', async () => {
    const o = await sp.attempt((c) => c.G1().replace(`Value="${STATUS.success}"`, `Value="${STATUS.responder}"`));
    await sp.expectRejected(o, ['SAML_STATUS']);
  });

  // SP-SIG-10: transforms outside the allow-list, each in a SignedInfo K_idp really signed.
  const transformCase = (transforms: string[], extraMarkup?: (sink: Sink) => string) => async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) => {
      let xml = c.G1(undefined, { transforms });
      if (extraMarkup) {
        xml = edit(xml, (doc) => {
          const sig = signatureOf(assertionOf(doc));
          const t = Array.from(sig.getElementsByTagNameNS(NS.ds, 'Transform')).find((e) => ![ALG.enveloped, ALG.excC14n].includes(e.getAttribute('Algorithm') as never))!;
          for (const n of fragment(doc, extraMarkup(sink))) t.appendChild(n);
          resignSignedInfo(sig, { key: c.keys.idp });
        });
      }
      return xml;
    });
    await sp.expectRejected(o, ['SAML_TRANSFORM_NOT_ALLOWED']);
    expect(sink.requests.slice(before)).toEqual([]);
  };
  it(
    'SP-SIG-10a XSLT transform whose stylesheet calls document() on an HTTP sink: rejected, nothing fetched',
    transformCase(
      [ALG.enveloped, ALG.xslt, ALG.excC14n],
      (s) =>
        `<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"><xsl:template match="/"><xsl:copy-of select="document('${s.url}/xslt')"/></xsl:template></xsl:stylesheet>`,
    ),
  );
  it('SP-SIG-10b XPath transform', transformCase([ALG.enveloped, ALG.xpath, ALG.excC14n], () => `<ds:XPath>not(ancestor-or-self::*[local-name()='NameID'])</ds:XPath>`));
  it('SP-SIG-10b XPath-Filter2 transform', transformCase([ALG.enveloped, ALG.xpathFilter2, ALG.excC14n], () => `<dsig-xpath:XPath xmlns:dsig-xpath="${ALG.xpathFilter2}" Filter="subtract">//*[local-name()='NameID']</dsig-xpath:XPath>`));
  it('SP-SIG-10c Base64 transform', transformCase([ALG.enveloped, ALG.excC14n, ALG.base64]));
  it('SP-SIG-10d three transforms (enveloped, exc-c14n, exc-c14n)', transformCase([ALG.enveloped, ALG.excC14n, ALG.excC14n]));
  it('SP-SIG-10d four transforms', transformCase([ALG.enveloped, ALG.enveloped, ALG.excC14n, ALG.excC14n]));
  it('SP-SIG-10e the enveloped-signature transform missing', async () => {
    const o = await sp.attempt((c) => {
      const xml = c.G1();
      return edit(xml, (doc) => {
        const sig = signatureOf(assertionOf(doc));
        const env = Array.from(sig.getElementsByTagNameNS(NS.ds, 'Transform')).find((e) => e.getAttribute('Algorithm') === ALG.enveloped)!;
        env.parentNode!.removeChild(env);
        resignSignedInfo(sig, { key: c.keys.idp });
      });
    });
    await sp.expectRejected(o, ['SAML_TRANSFORM_NOT_ALLOWED']);
  });

  it('SP-SIG-11 SignedInfo CanonicalizationMethod exc-c14n#WithComments', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { canonicalizationAlgorithm: ALG.excC14nWithComments }));
    await sp.expectRejected(o, ['SAML_C14N_NOT_ALLOWED']);
  });

  it('SP-SIG-11 SignedInfo CanonicalizationMethod inclusive c14n#WithComments', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { canonicalizationAlgorithm: ALG.c14nWithComments }));
    await sp.expectRejected(o, ['SAML_C14N_NOT_ALLOWED']);
  });

  it('SP-SIG-11 Reference Transform exc-c14n#WithComments', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { transforms: [ALG.enveloped, ALG.excC14nWithComments] }));
    await sp.expectRejected(o, ['SAML_C14N_NOT_ALLOWED', 'SAML_TRANSFORM_NOT_ALLOWED']);
  });

  it('SP-SIG-11 G0 whose Response signature uses exc-c14n#WithComments (Assertion signature fine)', async () => {
    const o = await sp.attempt((c) => c.G0(undefined, { canonicalizationAlgorithm: ALG.excC14nWithComments }));
    await sp.expectRejected(o, ['SAML_C14N_NOT_ALLOWED']);
  });

  for (const [label, uri] of [
    ['XPath injection with quotes', (id: string) => `#${id}' or '1'='1`],
    ['xpointer(id())', (id: string) => `#xpointer(id('${id}'))`],
    ['xpointer(/)', () => '#xpointer(/)'],
    ['an external http URI', () => 'http://evil.test/x'],
    ['a bare #', () => '#'],
  ] as Array<[string, (id: string) => string]>) {
    it(`SP-SIG-12 Reference URI syntax attack: ${label} (SignedInfo signed by K_idp), nothing fetched`, async () => {
      const before = sink.requests.length;
      const o = await sp.attempt((c) =>
        edit(c.G1(), (doc) => {
          const a = assertionOf(doc);
          const sig = signatureOf(a);
          const ref = child(child(sig, NS.ds, 'SignedInfo'), NS.ds, 'Reference');
          ref.setAttribute('URI', uri(a.getAttribute('ID')!).replace('http://evil.test', sink.url));
          resignSignedInfo(sig, { key: c.keys.idp });
        }),
      );
      await sp.expectRejected(o, ['SAML_SIG_SCOPE']);
      expect(sink.requests.slice(before)).toEqual([]);
    });
  }
});
