import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
type SelfSignedParams = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0];

x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);

export interface TestCertificate {
  certificatePem: string;
  /** Bare base64 DER on one line, as ds:X509Certificate carries it. */
  base64: string;
  privateKeyPem: string;
}

/**
 * A self-signed certificate with a chosen key and validity, for tests that need what the production generator
 * refuses to make (1024-bit RSA, EC, already expired).
 */
export async function makeTestCertificate(
  input: { key?: { rsaBits: number } | { ecCurve: 'P-256' | 'P-384' }; notBefore?: Date; notAfter?: Date; commonName?: string } = {},
): Promise<TestCertificate> {
  const key = input.key ?? { rsaBits: 2048 };
  const algorithm =
    'rsaBits' in key
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: key.rsaBits, publicExponent: new Uint8Array([1, 0, 1]) }
      : { name: 'ECDSA', namedCurve: key.ecCurve, hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${input.commonName ?? 'Test IdP'}`,
    notBefore: input.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: input.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
    signingAlgorithm: algorithm,
    keys: keys as unknown as SelfSignedParams['keys'],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const certificatePem = cert.toString('pem');
  return {
    certificatePem,
    base64: Buffer.from(cert.rawData).toString('base64'),
    privateKeyPem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}
