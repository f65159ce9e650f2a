import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Fingerprint } from '../../src/keys/generate-signing-certificate.js';
import { generateSigningCertificate } from '../../src/keys/generate-signing-certificate.js';
import { ADMIN, ALICE, cloneCertificate, makeTestKey, pemBody, type TestKey } from '../helpers/saml-test-idp.js';
import { samlIdpApiBody, type Sink, startSink, useSamlSp } from './harness.js';

/** Catalogue §2.3 key trust (SP-KEY-*): the pinned certificates are the only trust anchors. */
const b64url2b64 = (s: string) => Buffer.from(s, 'base64url').toString('base64');

describe('catalogue §2.3 SP-KEY key trust', () => {
  const sp = useSamlSp(import.meta.url);
  let sink: Sink;
  let idp2: TestKey;
  beforeAll(async () => {
    sink = await startSink();
    idp2 = await makeTestKey('K_idp next');
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('SP-KEY-01 E(G0) re-signed with K_evil, K_evil certificate in KeyInfo', async () => {
    const o = await sp.attempt((c) => c.G0({ nameId: ADMIN }, { key: c.keys.evil }));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  it('SP-KEY-01 G1 for alice signed with K_evil, K_evil certificate in KeyInfo', async () => {
    const o = await sp.attempt((c) => c.G1(undefined, { key: c.keys.evil }));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  it('SP-KEY-02 E(G0) signed with a new key whose certificate clones the pinned one (subject, issuer, serial, validity)', async () => {
    const clone = await cloneCertificate(sp.keys.idp, 'clone');
    const o = await sp.attempt((c) => c.G0({ nameId: ADMIN }, { key: clone }));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  it('SP-KEY-03 KeyInfo/KeyValue/RSAKeyValue with the attacker modulus', async () => {
    const jwk = createPublicKey(sp.keys.evil.privateKeyPem).export({ format: 'jwk' });
    const keyInfo = `<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>${b64url2b64(jwk.n!)}</ds:Modulus><ds:Exponent>${b64url2b64(jwk.e!)}</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>`;
    const o = await sp.attempt((c) => c.G0({ nameId: ADMIN }, { key: c.keys.evil, keyInfo }));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  it('SP-KEY-03 KeyInfo/DEREncodedKeyValue with the attacker key', async () => {
    const der = createPublicKey(sp.keys.evil.privateKeyPem).export({ format: 'der', type: 'spki' }).toString('base64');
    const keyInfo = `<dsig11:DEREncodedKeyValue xmlns:dsig11="http://www.w3.org/2009/xmldsig11#">${der}</dsig11:DEREncodedKeyValue>`;
    const o = await sp.attempt((c) => c.G0({ nameId: ADMIN }, { key: c.keys.evil, keyInfo }));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
  });

  const indirections = (s: Sink) =>
    `<ds:RetrievalMethod URI="${s.url}/retrieval" Type="http://www.w3.org/2000/09/xmldsig#X509Data"/>` +
    `<ds:X509Data><ds:X509URL>${s.url}/x509url</ds:X509URL></ds:X509Data><ds:KeyName>${s.url}/keyname</ds:KeyName>`;

  it('SP-KEY-04 KeyInfo RetrievalMethod / X509URL / KeyName URLs on a K_evil signature: nothing fetched', async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) => c.G0({ nameId: ADMIN }, { key: c.keys.evil, keyInfo: indirections(sink) }));
    await sp.expectRejected(o, ['SAML_SIG_INVALID']);
    expect(sink.requests.slice(before)).toEqual([]);
  });

  it('SP-KEY-04 the same KeyInfo URLs on a genuine K_idp signature: verified with the pinned certificate, nothing fetched', async () => {
    const before = sink.requests.length;
    const o = await sp.attempt((c) => c.G0(undefined, { keyInfo: indirections(sink) }));
    await sp.expectAccepted(o, ALICE);
    expect(sink.requests.slice(before)).toEqual([]);
  });

  it('SP-KEY-05 an IdP without any signing certificate cannot be saved (REJ-CFG)', async () => {
    const ok = await sp.gh.api('/identity_providers', { body: samlIdpApiBody('key-ok', [sp.keys.idp.certificatePem]) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const none = await sp.gh.api('/identity_providers', { body: samlIdpApiBody('key-none', []) });
    expect(none.status, JSON.stringify(none.body)).toBe(400);
  });

  it('SP-KEY-05 an IdP record with no signing certificate at runtime: SP-KEY-01 message fails closed', async () => {
    try {
      const o = await sp.attempt(async (c) => {
        await sp.updateConfig({ idpPublicCerts: [] });
        return c.G0({ nameId: ADMIN }, { key: c.keys.evil });
      });
      await sp.expectRejected(o, ['SAML_NO_TRUST']);
    } finally {
      await sp.resetConfig();
    }
  });

  describe('SP-KEY-06 rotation window', () => {
    afterAll(async () => {
      await sp.resetConfig();
    });

    it('SP-KEY-06 two pinned certificates: G0 signed with the old key is accepted as alice', async () => {
      await sp.updateConfig({ idpPublicCerts: [sp.keys.idp.certificatePem, idp2.certificatePem] });
      const o = await sp.attempt((c) => c.G0());
      await sp.expectAccepted(o, ALICE);
    });

    it('SP-KEY-06 two pinned certificates: G0 signed with the new key is accepted as alice', async () => {
      await sp.updateConfig({ idpPublicCerts: [sp.keys.idp.certificatePem, idp2.certificatePem] });
      const o = await sp.attempt((c) => c.G0(undefined, { key: idp2 }));
      await sp.expectAccepted(o, ALICE);
    });

    it('SP-KEY-06 old certificate removed: G0 signed with the old key is rejected', async () => {
      await sp.updateConfig({ idpPublicCerts: [idp2.certificatePem] });
      const o = await sp.attempt((c) => c.G0());
      await sp.expectRejected(o, ['SAML_SIG_INVALID']);
    });

    it('SP-KEY-06 old certificate removed: G0 signed with the new key is still accepted', async () => {
      await sp.updateConfig({ idpPublicCerts: [idp2.certificatePem] });
      const o = await sp.attempt((c) => c.G0(undefined, { key: idp2 }));
      await sp.expectAccepted(o, ALICE);
    });

    it('SP-KEY-06 an expired pinned certificate still verifies (trust is key pinning, not PKI)', async () => {
      const g = await generateSigningCertificate({ commonName: 'expired', now: new Date(Date.now() - 3 * 86_400_000), validDays: 1 });
      const expired: TestKey = { name: 'expired', privateKeyPem: g.privateKeyPem, certificatePem: g.certificatePem, certBase64: pemBody(g.certificatePem) };
      await sp.updateConfig({ idpPublicCerts: [expired.certificatePem] });
      const o = await sp.attempt((c) => c.G0(undefined, { key: expired }));
      await sp.expectAccepted(o, ALICE);
    });

    it('SP-KEY-06 each acceptance logs which pinned certificate verified', async () => {
      await sp.updateConfig({ idpPublicCerts: [sp.keys.idp.certificatePem, idp2.certificatePem] });
      const o = await sp.attempt((c) => c.G0(undefined, { key: idp2 }));
      await sp.expectAccepted(o, ALICE);
      const fp = sha256Fingerprint(idp2.certificatePem);
      const forms = [fp, fp.toLowerCase(), fp.replace(/:/g, ''), fp.replace(/:/g, '').toLowerCase()];
      const text = JSON.stringify(o.logs);
      expect(forms.some((f) => text.includes(f)), `no log line names the verifying certificate ${fp}`).toBe(true);
    });
  });

  it('SP-KEY-07 K_idp signatures whose KeyInfo carries an unrelated certificate are accepted as alice (KeyInfo ignored)', async () => {
    const o = await sp.attempt((c) => c.G0(undefined, { keyInfo: `<ds:X509Data><ds:X509Certificate>${c.keys.evil.certBase64}</ds:X509Certificate></ds:X509Data>` }));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-KEY-07 K_idp signatures without any KeyInfo are accepted as alice', async () => {
    const o = await sp.attempt((c) => c.G0(undefined, { keyInfo: null }));
    await sp.expectAccepted(o, ALICE);
  });
});
