import { randomToken } from '../lib/random.js';
import { sha256Hex } from '../lib/sha256.js';
import { serializeCookie, singleCookie } from '../session/cookies.js';

/**
 * Binds login transactions to the browser that started them (login CSRF, OIDC-STATE-01, SESS-LC-01): a random
 * value in an HttpOnly cookie; transactions store only its hash and the callback must present the same cookie.
 */
export const BINDING_COOKIE = 'CF_Session';
const MAX_AGE_SECONDS = 4 * 3600;

export interface BrowserBinding {
  hash: string;
  /** Set when the cookie had to be (re)issued. */
  setCookie?: string;
}

export function existingBinding(cookieHeader: string | undefined): string | undefined {
  const value = singleCookie(cookieHeader, BINDING_COOKIE);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? sha256Hex(value) : undefined;
}

export function ensureBinding(cookieHeader: string | undefined, secure: boolean): BrowserBinding {
  const hash = existingBinding(cookieHeader);
  if (hash) return { hash };
  const value = randomToken(32);
  // SameSite=None (https only) lets the cookie ride along on an upstream IdP's cross-site POST to the callback;
  // browsers refuse None without Secure, so plain-http deployments fall back to Lax (GET redirects only).
  const setCookie = serializeCookie(BINDING_COOKIE, value, {
    maxAgeSeconds: MAX_AGE_SECONDS,
    secure,
    sameSite: secure ? 'None' : 'Lax',
    path: '/cdn-cgi/access',
  });
  return { hash: sha256Hex(value), setCookie };
}
