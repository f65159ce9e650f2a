import { createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ALG,
  ALICE,
  assertionOf,
  child,
  edit,
  fragment,
  hmacSign,
  makeEcPrivateKeyPem,
  makeRsaKeyOfSize,
  NS,
  pemBody,
  resignSignedInfo,
  signatureOf,
} from '../helpers/saml-test-idp.js';
import { samlIdpApiBody, useSamlSp } from './harness.js';

/** Catalogue §2.2 algorithms (SP-ALG-*): allow-list rsa-sha256/384/512 (+ecdsa), sha256/384/512, exc-c14n. */
describe('catalogue §2.2 SP-ALG algorithm allow-list', () => {
  const sp = useSamlSp(import.meta.url);
  const notAllowed = ['SAML_ALG_NOT_ALLOWED'];

  it('SP-ALG-01 G1 re-signed by K_idp with rsa-sha1 + sha1', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: ALG.rsaSha1, digestAlgorithm: ALG.sha1 }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-01 G0 with both signatures rsa-sha1 + sha1', async () => {
    const o = await sp.attempt((c) => c.G0(undefined, { signatureAlgorithm: ALG.rsaSha1, digestAlgorithm: ALG.sha1 }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-01 G2 (Response only) with rsa-sha1 + sha1', async () => {
    const o = await sp.attempt((c) => c.G2(undefined, { signatureAlgorithm: ALG.rsaSha1, digestAlgorithm: ALG.sha1 }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-02 rsa-sha256 signature over a sha1 digest', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { digestAlgorithm: ALG.sha1 }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-03 rsa-md5 signature with an md5 digest', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: ALG.rsaMd5, digestAlgorithm: ALG.md5 }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-03 rsa-sha256 signature with an md5 digest', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { digestAlgorithm: ALG.md5 }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-04 hmac-sha1 keyed with the PEM text of the pinned certificate', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: ALG.hmacSha1, signWith: (d) => hmacSign('sha1', d, c.keys.idp.certificatePem) }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-04 hmac-sha1 keyed with the DER bytes of the pinned certificate', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: ALG.hmacSha1, signWith: (d) => hmacSign('sha1', d, Buffer.from(pemBody(c.keys.idp.certificatePem), 'base64')) }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-04 hmac-sha256 keyed with the pinned certificate', async () => {
    const uri = 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256';
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: uri, signWith: (d) => hmacSign('sha256', d, c.keys.idp.certificatePem) }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-05 HMAC with HMACOutputLength 8 (CVE-2009-0217)', async () => {
    const o = await sp.attempt((c) => {
      const sign = (d: string) => hmacSign('sha1', d, c.keys.idp.certificatePem).slice(0, 4);
      return edit(c.G1(undefined, { signatureAlgorithm: ALG.hmacSha1, signWith: sign }), (doc) => {
        const sig = signatureOf(assertionOf(doc));
        const method = child(child(sig, NS.ds, 'SignedInfo'), NS.ds, 'SignatureMethod');
        for (const n of fragment(doc, '<ds:HMACOutputLength>8</ds:HMACOutputLength>')) method.appendChild(n);
        resignSignedInfo(sig, { key: c.keys.idp, signWith: sign });
      });
    });
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-06 a 1024-bit RSA IdP certificate cannot be saved (REJ-CFG)', async () => {
    const weak = await makeRsaKeyOfSize('weak', 1024);
    const ok = await sp.gh.api('/identity_providers', { body: samlIdpApiBody('alg-ok', [sp.keys.idp.certificatePem]) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const res = await sp.gh.api('/identity_providers', { body: samlIdpApiBody('alg-weak', [weak.certificatePem]) });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
  });

  it('SP-ALG-06 DSA SignatureMethod against the RSA certificate', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: ALG.dsaSha1, digestAlgorithm: ALG.sha256 }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-06 ECDSA SignatureMethod (allowed family) against the pinned RSA certificate', async () => {
    const ec = makeEcPrivateKeyPem();
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: ALG.ecdsaSha256, signWith: (d) => createSign('SHA256').update(d).sign({ key: ec, dsaEncoding: 'ieee-p1363' }, 'base64') }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-06 RSA SignatureMethod URI with an ECDSA signature value', async () => {
    const ec = makeEcPrivateKeyPem();
    const o = await sp.attempt((c) => c.G1(undefined, { signWith: (d) => createSign('SHA256').update(d).sign({ key: ec, dsaEncoding: 'ieee-p1363' }, 'base64') }));
    await sp.expectRejected(o, ['SAML_SIG_INVALID', 'SAML_ALG_NOT_ALLOWED']);
  });

  it('SP-ALG-07 SignatureMethod urn:evil', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { signatureAlgorithm: ALG.evil }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-07 DigestMethod urn:evil', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { digestAlgorithm: ALG.evil }));
    await sp.expectRejected(o, notAllowed);
  });

  it('SP-ALG-07 CanonicalizationMethod urn:evil (SignedInfo signed by K_idp)', async () => {
    const o = await sp.attempt((c) =>
      edit(c.G1(), (doc) => {
        const sig = signatureOf(assertionOf(doc));
        child(child(sig, NS.ds, 'SignedInfo'), NS.ds, 'CanonicalizationMethod').setAttribute('Algorithm', ALG.evil);
        resignSignedInfo(sig, { key: c.keys.idp });
      }),
    );
    await sp.expectRejected(o, ['SAML_ALG_NOT_ALLOWED', 'SAML_C14N_NOT_ALLOWED']);
  });

  it('SP-ALG-07 Transform urn:evil', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { transforms: [ALG.enveloped, ALG.evil] }));
    await sp.expectRejected(o, ['SAML_ALG_NOT_ALLOWED', 'SAML_TRANSFORM_NOT_ALLOWED']);
  });

  for (const [label, signatureAlgorithm, digestAlgorithm] of [
    ['rsa-sha384 / sha384', ALG.rsaSha384, ALG.sha384],
    ['rsa-sha512 / sha512', ALG.rsaSha512, ALG.sha512],
    ['rsa-sha256 / sha512', ALG.rsaSha256, ALG.sha512],
  ] as const) {
    it(`SP-ALG-01 companion: allowed ${label} is accepted as alice`, async () => {
      const o = await sp.attempt((c) => c.G0(undefined, { signatureAlgorithm, digestAlgorithm }));
      await sp.expectAccepted(o, ALICE);
    });
  }
});
