import { createHash } from 'node:crypto';
import { GatehouseError } from '../errors/gatehouse-error.js';

const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----\s*$/;

/**
 * The DER body of a single PEM certificate, as base64 on one line (what ds:X509Certificate carries). Anything
 * else — several certificates, a private key, junk around the armour — is refused rather than guessed at.
 */
export function certificateBase64(pem: string): string {
  const m = PEM_CERTIFICATE.exec(pem);
  const body = m?.[1]?.replace(/\s+/g, '');
  if (!body || Buffer.from(body, 'base64').toString('base64') !== body) {
    throw new GatehouseError('INTERNAL', { detail: 'value is not exactly one PEM certificate', hint: 'the stored signing certificate is damaged; rotate the key' });
  }
  return body;
}

/** SHA-256 over the DER certificate, upper-case hex pairs joined by colons (AB:CD:…), as admin UIs show it. */
export function sha256Fingerprint(pem: string): string {
  const digest = createHash('sha256').update(Buffer.from(certificateBase64(pem), 'base64')).digest('hex').toUpperCase();
  return digest.match(/../g)!.join(':');
}
