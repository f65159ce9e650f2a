import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { certificateBase64, generateSigningCertificate, sha256Fingerprint } from './generate-signing-certificate.js';

describe('generateSigningCertificate', () => {
  const now = new Date('2030-01-01T12:00:00Z');

  it('makes an RSA-2048 PKCS#8 key and a matching self-signed X.509 v3 SHA-256 certificate', async () => {
    const out = await generateSigningCertificate({ commonName: 'Gatehouse app, "Test" = 1', now });
    expect(out.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8, not PKCS#1 ("RSA PRIVATE KEY")
    const key = createPrivateKey(out.privateKeyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);

    const cert = new X509Certificate(out.certificatePem);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.toLegacyObject().serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    // The common name is kept literally, DN-syntax characters included.
    const parsed = new x509.X509Certificate(out.certificatePem);
    expect(parsed.subjectName.getField('CN')).toEqual(['Gatehouse app, "Test" = 1']);
    expect(parsed.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
    // X.509 v3: TBSCertificate opens with the explicit [0] version INTEGER 2.
    expect(Buffer.from(parsed.rawData).subarray(4, 30).includes(Buffer.from('a003020102', 'hex'))).toBe(true);

    const data = Buffer.from('SignedInfo');
    expect(verify('sha256', data, createPublicKey(out.certificatePem), sign('sha256', data, key))).toBe(true);
  });

  it('sets validity from the injected time: 5 minutes back-dated, validDays (default 3650) ahead', async () => {
    const short = await generateSigningCertificate({ commonName: 'short', now, validDays: 30 });
    const cert = new X509Certificate(short.certificatePem);
    expect(new Date(cert.validFrom).toISOString()).toBe('2030-01-01T11:55:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2030-01-31T12:00:00.000Z');
    expect(short.notAfter.toISOString()).toBe('2030-01-31T12:00:00.000Z');
    const long = await generateSigningCertificate({ commonName: 'long', now });
    expect(long.notAfter.toISOString()).toBe('2039-12-30T12:00:00.000Z');
  });

  it('marks key usage digitalSignature (critical) and basic constraints CA:false', async () => {
    const out = await generateSigningCertificate({ commonName: 'ku', now });
    const cert = new x509.X509Certificate(out.certificatePem);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect([ku?.usages, ku?.critical]).toEqual([x509.KeyUsageFlags.digitalSignature, true]);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    expect([bc?.ca, bc?.critical]).toEqual([false, true]);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
  });

  it('returns the SHA-256 fingerprint of the DER certificate, as Node computes it', async () => {
    const out = await generateSigningCertificate({ commonName: 'fp', now });
    expect(out.sha256Fingerprint).toBe(new X509Certificate(out.certificatePem).fingerprint256);
    expect(out.sha256Fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(sha256Fingerprint(out.certificatePem)).toBe(out.sha256Fingerprint);
  });

  it('refuses an empty common name and a validity outside 1..36 500 days', async () => {
    for (const bad of [{ commonName: '' }, { commonName: 'x', validDays: 0 }, { commonName: 'x', validDays: 1.5 }, { commonName: 'x', validDays: 40_000 }]) {
      await expect(generateSigningCertificate({ now, ...bad })).rejects.toThrow('INTERNAL');
    }
  });

  it('uses a fresh key and serial every time', async () => {
    const [a, b] = await Promise.all([generateSigningCertificate({ commonName: 'x', now }), generateSigningCertificate({ commonName: 'x', now })]);
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
    expect(new X509Certificate(a.certificatePem).serialNumber).not.toBe(new X509Certificate(b.certificatePem).serialNumber);
  });
});

describe('certificateBase64', () => {
  it('returns the one-line DER base64 of a PEM certificate, CRLF or LF', async () => {
    const { certificatePem } = await generateSigningCertificate({ commonName: 'b64', now: new Date('2030-01-01T00:00:00Z') });
    const body = certificateBase64(certificatePem);
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(body, 'base64').equals(new X509Certificate(certificatePem).raw)).toBe(true);
    expect(certificateBase64(certificatePem.replace(/\n/g, '\r\n'))).toBe(body);
  });

  it('refuses anything that is not exactly one certificate', async () => {
    const { certificatePem, privateKeyPem } = await generateSigningCertificate({ commonName: 'b64', now: new Date('2030-01-01T00:00:00Z') });
    for (const bad of [privateKeyPem, `${certificatePem}${certificatePem}`, `junk${certificatePem}`, '', certificatePem.replace(/[A-Za-z]{4}\n/, '!!!!\n')]) {
      expect(() => certificateBase64(bad)).toThrow('INTERNAL');
    }
  });
});
