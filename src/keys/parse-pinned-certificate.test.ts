import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate, type TestCertificate } from '../../test/helpers/test-certificate.js';
import { generateSigningCertificate } from './generate-signing-certificate.js';
import { type ParsedCertificate, parsePinnedCertificate } from './parse-pinned-certificate.js';

const now = new Date('2031-06-01T00:00:00Z');
// The AWS IAM (SAML) seed's example value, as JSON decodes it.
const AWS_PLACEHOLDER = 'MIIDpDCCAoygAwIBAgIGAV2ka+55MA0GCSqGSIb3DQEBCwUAMIGSMQswCQYDVQQGEwJVUzETMBEG\nA1UEC.....GF/Q2/MHadws97cZg\nuTnQyuOqPuHbnN83d/2l1NSYKCbHt24o';

function certificateOf(value: string, at = now): ParsedCertificate {
  const r = parsePinnedCertificate(value, at);
  if (r.kind !== 'certificate') throw new Error(`expected a certificate, got ${JSON.stringify(r)}`);
  return r.certificate;
}

function problemOf(value: string): string {
  const r = parsePinnedCertificate(value, now);
  if (r.kind !== 'problem') throw new Error(`expected a problem, got ${r.kind}`);
  return r.message;
}

describe('parsePinnedCertificate', () => {
  let rsa: { certificatePem: string; privateKeyPem: string; sha256Fingerprint: string };
  let base64: string;
  beforeAll(async () => {
    rsa = await generateSigningCertificate({ commonName: 'idp.example', now: new Date('2030-01-01T00:00:00Z') });
    base64 = new X509Certificate(rsa.certificatePem).raw.toString('base64');
  });

  it('reads a PEM certificate and normalises it to the stored PEM form', () => {
    const c = certificateOf(rsa.certificatePem);
    expect(c.pem).toBe(new X509Certificate(rsa.certificatePem).toString());
    expect(c.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n(?:[A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/);
    expect(c.sha256Fingerprint).toBe(rsa.sha256Fingerprint);
    expect(c.key).toBe('RSA 2048');
    expect(c.subject).toBe('CN=idp.example');
    expect(c.expired).toBe(false);
    expect(c.notYetValid).toBe(false);
    expect(c.notAfter.toISOString()).toBe('2039-12-30T00:00:00.000Z');
  });

  it('reads bare base64 DER: one line, with real line breaks, with literal "\\n" sequences, with CRLF and spaces', () => {
    const lines = base64.match(/.{1,64}/g)!;
    for (const v of [base64, lines.join('\n'), lines.join('\\n'), lines.join('\r\n'), `  ${lines.join(' \n ')}  `]) {
      expect(certificateOf(v).sha256Fingerprint).toBe(rsa.sha256Fingerprint);
    }
    const pemWithCrlf = rsa.certificatePem.replace(/\n/g, '\r\n');
    expect(certificateOf(pemWithCrlf).pem).toBe(certificateOf(base64).pem);
  });

  it('refuses an EC certificate: the SAML verifier implements RSA only', async () => {
    const ec = await makeTestCertificate({ key: { ecCurve: 'P-256' } });
    expect(problemOf(ec.certificatePem)).toBe('has an EC key; SAML signatures are verified with RSA keys only (2048 bits or more)');
  });

  it('reports expiry and not-yet-valid without refusing (SAML trust is key pinning, SP-KEY-06)', async () => {
    const c = certificateOf(rsa.certificatePem, new Date('2045-01-01T00:00:00Z'));
    expect(c.expired).toBe(true);
    const early = certificateOf(rsa.certificatePem, new Date('2020-01-01T00:00:00Z'));
    expect(early.notYetValid).toBe(true);
    expect(early.expired).toBe(false);
  });

  it('recognises an elided documentation example (a run of dots) as a placeholder, never a certificate', () => {
    expect(parsePinnedCertificate(AWS_PLACEHOLDER, now)).toEqual({ kind: 'placeholder' });
    expect(parsePinnedCertificate('MIIDpDCCAoygAwIBAgIGAV2ka+55MA0G...\n...uTnQyuOqPuHbnN83d/2l1NSYKCbHt24o', now)).toEqual({ kind: 'placeholder' });
    expect(parsePinnedCertificate(`-----BEGIN CERTIFICATE-----\nMIIC...xyz\n-----END CERTIFICATE-----`, now)).toEqual({ kind: 'placeholder' });
    // Dots alone do not make a placeholder: other characters that base64 never has make it plain junk.
    expect(parsePinnedCertificate('<paste certificate here...>', now).kind).toBe('problem');
    expect(parsePinnedCertificate('MIIC..xyz', now).kind).toBe('problem');
  });

  it('refuses a private key, PEM or bare DER, without echoing it', async () => {
    const rsaKey = createPrivateKey(rsa.privateKeyPem);
    const pkcs1Pem = rsaKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    const pkcs8Der = rsaKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const pkcs1Der = rsaKey.export({ format: 'der', type: 'pkcs1' }).toString('base64');
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const sec1Der = ecKey.export({ format: 'der', type: 'sec1' }).toString('base64');
    const encrypted = rsaKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }).toString('base64');
    for (const v of [rsa.privateKeyPem, pkcs1Pem, pkcs8Der, pkcs1Der, sec1Der, encrypted, `${rsa.certificatePem}${rsa.privateKeyPem}`]) {
      const message = problemOf(v);
      expect(message).toBe("this is a private key; paste the IdP's signing certificate instead (and treat this key as exposed)");
    }
  });

  it('refuses an RSA key under 2048 bits (SP-ALG-06)', async () => {
    const weak: TestCertificate = await makeTestCertificate({ key: { rsaBits: 1024 } });
    expect(problemOf(weak.certificatePem)).toBe('has a 1024-bit RSA key; at least 2048 bits are required');
    expect(problemOf(weak.base64)).toBe('has a 1024-bit RSA key; at least 2048 bits are required');
  });

  it('refuses what is not exactly one certificate, saying what it is', () => {
    const publicKey = new X509Certificate(rsa.certificatePem).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const cases: Array<[string, string | RegExp]> = [
      ['', 'is empty'],
      [' \n ', 'is empty'],
      ['not-a-certificate', /^is not base64: unexpected character at position 4$/],
      ['not a certificate', 'is not base64: wrong length or padding'],
      ['QUJD', 'does not parse as an X.509 certificate'],
      ['QUJDRA=', 'is not base64: wrong length or padding'],
      [Buffer.from('hello world, this is not DER').toString('base64'), 'does not parse as an X.509 certificate'],
      [Buffer.concat([Buffer.from(base64, 'base64'), Buffer.from([0, 0, 0])]).toString('base64'), 'has data after the end of the certificate'],
      [publicKey, "this is a bare public key, not a certificate; paste the IdP's signing certificate"],
      [`${rsa.certificatePem}${rsa.certificatePem}`, 'contains 2 certificates; give each certificate as its own entry'],
      [`junk\n${rsa.certificatePem}`, 'has text outside the PEM block'],
      [rsa.certificatePem.replace('-----END CERTIFICATE-----', ''), 'has an incomplete PEM armour (BEGIN/END lines do not match)'],
      ['-----BEGIN CERTIFICATE REQUEST-----\nQUJD\n-----END CERTIFICATE REQUEST-----', 'this is a PEM "CERTIFICATE REQUEST", not a certificate'],
    ];
    for (const [value, expected] of cases) {
      const message = problemOf(value);
      if (typeof expected === 'string') expect(message).toBe(expected);
      else expect(message).toMatch(expected);
    }
  });
});
