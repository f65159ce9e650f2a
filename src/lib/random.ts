import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/**
 * Small random values (ray ids for every request, tokens, ids) are cut from a pool of CSPRNG bytes refilled 4 KiB
 * at a time: one randomBytes() call per 8-byte ray id cost more than 1% of the SSO path (bench profile). Every
 * byte is handed out once and turned into a string at once, so no caller can see another's bytes.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function freshBytes(n: number): Buffer {
  if (n > 256) return randomBytes(n);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}

/** URL-safe random token with `bytes` bytes of entropy (default 256 bits). */
export function randomToken(bytes = 32): string {
  return freshBytes(bytes).toString('base64url');
}

/** Lower-case hex string of `bytes` random bytes. */
export function randomHex(bytes: number): string {
  return freshBytes(bytes).toString('hex');
}

export function uuid(): string {
  return randomUUID();
}

/** A reference id shown to users and logged for admins (Cloudflare calls it a Ray ID: 16 hex). */
export function newRayId(): string {
  return randomHex(8);
}
