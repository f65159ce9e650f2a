import { verify as rsaVerify } from 'node:crypto';
import type { SessionKey } from './session-keyring.js';

/**
 * Verifies a CF_Authorization token that Gatehouse itself issued, on the SSO hot path.
 *
 * Why not jose here: jose verifies through WebCrypto, asynchronously on the thread pool (~90 µs per token against
 * ~25 µs for a synchronous node:crypto verify), and this runs on every SSO request and every get-identity. Issuing
 * still uses jose, and upstream tokens are verified with jose. This verifier is deliberately narrower than a general
 * JWT library: it accepts only the exact header Gatehouse writes (RS256, our kid, typ JWT, nothing else), so
 * alg confusion, `none`, embedded keys and key URLs (jwk, jku, x5u, x5c) cannot even be expressed; the signature
 * is checked over the received bytes before the payload is parsed, and the claims come from that one parse.
 */
export interface VerifiedClaims {
  [claim: string]: unknown;
  iss: string;
  aud: string[];
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export type VerifyResult = { ok: true; claims: VerifiedClaims } | { ok: false; reason: string; kid?: string };

export function verifySessionJwt(
  token: string,
  keyFor: (kid: string) => SessionKey | undefined,
  expect: { issuer: string; audience: string; nowSeconds: number; clockToleranceSeconds: number },
): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return { ok: false, reason: 'malformed' };
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h);
  if (!isExactHeader(header)) return { ok: false, reason: 'header' };
  const key = keyFor(header.kid);
  if (!key) return { ok: false, reason: 'unknown_kid', kid: header.kid };
  if (!rsaVerify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), key.publicKey, Buffer.from(s, 'base64url'))) return { ok: false, reason: 'signature' };
  const claims = parseJson(p);
  if (!isClaims(claims)) return { ok: false, reason: 'claims' };
  const { nowSeconds: now, clockToleranceSeconds: tol } = expect;
  if (claims.iss !== expect.issuer) return { ok: false, reason: 'iss' };
  if (!claims.aud.includes(expect.audience)) return { ok: false, reason: 'aud' };
  if (claims.exp <= now - tol) return { ok: false, reason: 'expired' };
  if (claims.nbf > now + tol || claims.iat > now + tol) return { ok: false, reason: 'not_yet_valid' };
  return { ok: true, claims };
}

function parseJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isExactHeader(h: unknown): h is { alg: 'RS256'; kid: string; typ: 'JWT' } {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return false;
  const keys = Object.keys(h).sort();
  const o = h as Record<string, unknown>;
  return keys.length === 3 && keys[0] === 'alg' && keys[1] === 'kid' && keys[2] === 'typ' && o.alg === 'RS256' && o.typ === 'JWT' && typeof o.kid === 'string' && /^[0-9a-f]{64}$/.test(o.kid);
}

function isClaims(c: unknown): c is VerifiedClaims {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return false;
  const o = c as Record<string, unknown>;
  return (
    typeof o.iss === 'string' &&
    Array.isArray(o.aud) &&
    o.aud.every((a) => typeof a === 'string') &&
    typeof o.sub === 'string' &&
    Number.isSafeInteger(o.exp) &&
    Number.isSafeInteger(o.nbf) &&
    Number.isSafeInteger(o.iat)
  );
}
