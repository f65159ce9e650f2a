import { randomBytes, randomUUID } from 'node:crypto';

/** URL-safe random token with `bytes` bytes of entropy (default 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Lower-case hex string of `bytes` random bytes. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function uuid(): string {
  return randomUUID();
}

/** A reference id shown to users and logged for admins (Cloudflare calls it a Ray ID: 16 hex). */
export function newRayId(): string {
  return randomHex(8);
}
