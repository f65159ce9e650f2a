import { generateKeyPair, randomBytes, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import type * as X509 from '@peculiar/x509';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { sha256Fingerprint } from './certificate-info.js';

export { certificateBase64, sha256Fingerprint } from './certificate-info.js';

// The DOM-lib types x509 is declared with (Crypto, CryptoKey) are not in this Node-only build; these name them.
type SelfSignedParams = Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[0];
type X509Crypto = NonNullable<Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[1]>;
type X509PublicKey = Parameters<typeof X509.SubjectKeyIdentifierExtension.create>[0];

/**
 * @peculiar/x509 is loaded on first use: certificates are made when an app or key is created, not while serving,
 * and the library is a sizeable part of the process's memory otherwise.
 */
let x509Module: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  x509Module ??= import('@peculiar/x509').then((m) => {
    m.cryptoProvider.set(webcrypto as unknown as X509Crypto);
    return m;
  });
  return x509Module;
}

const generateKeyPairAsync = promisify(generateKeyPair);
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
// Back-dating covers peers whose clocks run behind ours; the certificate is pinned, not chained, anyway.
const NOT_BEFORE_SLACK_MS = 5 * 60_000;

export interface GeneratedSigningCertificate {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  certificatePem: string;
  notAfter: Date;
  /** SHA-256 of the DER certificate, AB:CD:… */
  sha256Fingerprint: string;
}

/**
 * A fresh RSA-2048 key and a self-signed X.509 v3 certificate (SHA-256, digitalSignature only) for SAML or JWT
 * signing. Key generation runs on the libuv thread pool, so this does not block the event loop.
 */
export async function generateSigningCertificate(input: { commonName: string; now: Date; validDays?: number }): Promise<GeneratedSigningCertificate> {
  const validDays = input.validDays ?? 3650;
  if (!Number.isInteger(validDays) || validDays < 1 || validDays > 36_500 || input.commonName.length === 0) {
    throw new GatehouseError('INTERNAL', { detail: `cannot generate a certificate for CN ${JSON.stringify(input.commonName)} valid ${validDays} days` });
  }
  const { privateKey: privateKeyPem, publicKey: publicKeyPem } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey('pkcs8', pemBody(privateKeyPem), RSA_SHA256, false, ['sign']),
    publicKey: await subtle.importKey('spki', pemBody(publicKeyPem), RSA_SHA256, true, ['verify']),
  };
  // Positive, non-zero leading byte: a DER INTEGER serial must not be negative or padded (RFC 5280 4.1.2.2).
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const x509 = await loadX509();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    // An explicit UTF8String: plain JSON strings still get DN-syntax processing (quotes, `#hex`) in @peculiar/x509.
    name: new x509.Name([{ CN: [{ utf8String: input.commonName }] }]),
    notBefore: new Date(input.now.getTime() - NOT_BEFORE_SLACK_MS),
    notAfter: new Date(input.now.getTime() + validDays * 86_400_000),
    signingAlgorithm: RSA_SHA256,
    keys: keys as unknown as SelfSignedParams['keys'],
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as X509PublicKey),
    ],
  });
  const certificatePem = cert.toString('pem');
  return { privateKeyPem, certificatePem, notAfter: cert.notAfter, sha256Fingerprint: sha256Fingerprint(certificatePem) };
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64');
}
