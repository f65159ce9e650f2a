import { createHash } from 'node:crypto';

export function sha256Hex(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}

export function sha256Base64Url(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('base64url');
}
