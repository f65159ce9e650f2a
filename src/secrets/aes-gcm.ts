import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM as every sealed value in Gatehouse uses it (secrets at rest, the wrapped data key, sealed export
 * bundles): one packed form, iv (12 bytes) | ciphertext | tag (16 bytes), with additional data binding the value to
 * where it belongs. One implementation, so the three uses cannot drift apart.
 *
 * iv: random by default; a caller that needs deterministic output (export bundles) passes a synthetic one.
 */
export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer, iv: Buffer = randomBytes(IV_BYTES)): Buffer {
  if (iv.length !== IV_BYTES) throw new Error('AES-GCM IV must be 12 bytes');
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** The plaintext, or undefined when the packed value is short, altered, under another key or for another aad. */
export function gcmOpen(key: Buffer, packed: Buffer, aad: Buffer): Buffer | undefined {
  if (packed.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, packed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(packed.subarray(packed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(packed.subarray(IV_BYTES, packed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

export const GCM_IV_BYTES = IV_BYTES;
