import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, signResponse } from '../helpers/saml-test-idp.js';
import { type Sink, startSink, useSamlSp } from './harness.js';

/**
 * Catalogue §2.7 encrypted assertions (SP-ENC-*). Gatehouse configures no SP decryption key, so an
 * EncryptedAssertion is refused before any decryption (SAML_ENCRYPTION_NOT_ENABLED) whatever else it carries.
 */
const XENC = NS.xenc;
const encryptedAssertion = (o: { keyAlg?: string; dataAlg?: string; cipher?: string; keys?: number; retrieval?: string } = {}) =>
  `<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="${XENC}" Type="http://www.w3.org/2001/04/xmlenc#Element">` +
  `<xenc:EncryptionMethod Algorithm="${o.dataAlg ?? 'http://www.w3.org/2009/xmlenc11#aes256-gcm'}"/>` +
  `<ds:KeyInfo xmlns:ds="${NS.ds}">` +
  (o.retrieval ? `<ds:RetrievalMethod URI="${o.retrieval}" Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey"/>` : '') +
  Array.from({ length: o.keys ?? 1 }, () => `<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="${o.keyAlg ?? 'http://www.w3.org/2009/xmlenc11#rsa-oaep'}"/><xenc:CipherData><xenc:CipherValue>${randomBytes(256).toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>`).join('') +
  `</ds:KeyInfo><xenc:CipherData><xenc:CipherValue>${o.cipher ?? randomBytes(512).toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>`;
const replaceAssertion = (xml: string, by: string) => xml.replace(/<saml:Assertion[\s\S]*<\/saml:Assertion>/, by);
const NOT_ENABLED = 'SAML_ENCRYPTION_NOT_ENABLED';

describe('catalogue §2.7 SP-ENC encrypted assertions', () => {
  const sp = useSamlSp(import.meta.url);
  let sink: Sink;
  beforeAll(async () => {
    sink = await startSink();
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('SP-ENC-01 G0 with the Assertion replaced by an EncryptedAssertion (Response signed by K_idp)', async () => {
    const o = await sp.attempt((c) => signResponse(replaceAssertion(c.unsigned(), encryptedAssertion()), { key: c.keys.idp }));
    await sp.expectRejected(o, [NOT_ENABLED]);
  });

  it('SP-ENC-02 encrypted, unsigned assertion in an unsigned Response', async () => {
    const o = await sp.attempt((c) => replaceAssertion(c.unsigned(), encryptedAssertion()));
    await sp.expectRejected(o, ['SAML_ASSERTION_UNSIGNED', NOT_ENABLED]);
  });

  it('SP-ENC-02 encrypted, unsigned assertion next to a valid signature over something else', async () => {
    const o = await sp.attempt((c) => {
      const g = c.G2();
      return g.replace('</samlp:Status>', `</samlp:Status>`).replace(/<saml:Assertion[\s\S]*<\/saml:Assertion>/, (a) => `${encryptedAssertion()}<!--${a.replace(/--/g, '- -')}-->`);
    });
    await sp.expectRejected(o, ['SAML_ASSERTION_UNSIGNED', 'SAML_SIG_INVALID', NOT_ENABLED]);
  });

  it('SP-ENC-03 EncryptedKey with rsa-1_5 and data with tripledes-cbc', async () => {
    const o = await sp.attempt((c) =>
      signResponse(replaceAssertion(c.unsigned(), encryptedAssertion({ keyAlg: 'http://www.w3.org/2001/04/xmlenc#rsa-1_5', dataAlg: 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc' })), { key: c.keys.idp }),
    );
    await sp.expectRejected(o, ['SAML_ALG_NOT_ALLOWED', NOT_ENABLED]);
  });

  it('SP-ENC-04 bit-flipped AES-CBC ciphertexts: identical status, page and code for every variant (no oracle)', async () => {
    const base = randomBytes(512);
    const seen: Array<{ status: number; body: string; code: string | undefined }> = [];
    for (const flip of [0, 17, 511]) {
      const cipher = Buffer.from(base);
      cipher[flip] = cipher[flip]! ^ 0x01;
      const o = await sp.attempt((c) =>
        signResponse(replaceAssertion(c.unsigned(), encryptedAssertion({ dataAlg: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc', cipher: cipher.toString('base64') })), { key: c.keys.idp }),
      );
      await sp.expectRejected(o, [NOT_ENABLED]);
      seen.push({ status: o.status, body: o.body.replaceAll(o.rayId ?? '', 'RAY'), code: o.code });
    }
    expect(new Set(seen.map((s) => JSON.stringify(s))).size).toBe(1);
  });

  it('SP-ENC-05 plain Assertion and EncryptedAssertion together', async () => {
    const o = await sp.attempt((c) => c.G2().replace('</samlp:Response>', `${encryptedAssertion()}</samlp:Response>`));
    await sp.expectRejected(o, ['SAML_MULTIPLE_ASSERTIONS', 'SAML_STRUCTURE', NOT_ENABLED]);
  });

  it('SP-ENC-05 several EncryptedKey elements', async () => {
    const o = await sp.attempt((c) => signResponse(replaceAssertion(c.unsigned(), encryptedAssertion({ keys: 3 })), { key: c.keys.idp }));
    await sp.expectRejected(o, ['SAML_STRUCTURE', NOT_ENABLED]);
  });

  it('SP-ENC-05 EncryptedData with a RetrievalMethod to an HTTP sink: nothing fetched', async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) => signResponse(replaceAssertion(c.unsigned(), encryptedAssertion({ retrieval: `${sink.url}/key` })), { key: c.keys.idp }));
    await sp.expectRejected(o, ['SAML_STRUCTURE', NOT_ENABLED]);
    expect(sink.requests.slice(before)).toEqual([]);
  });
});
