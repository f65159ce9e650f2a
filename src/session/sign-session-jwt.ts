import { sign as rsaSign } from 'node:crypto';
import type { SessionKey } from './session-keyring.js';

/**
 * Writes a CF_Authorization token: RS256 over exactly the header verify-session-jwt.ts accepts ({alg, kid, typ}).
 *
 * Why not jose's SignJWT: it signs through WebCrypto, asynchronously on the thread pool, converting the KeyObject
 * each time; this runs once per sign-in, and a synchronous node:crypto signature with the already parsed key costs
 * the RSA operation and little else. The format is fixed and small, and every token is checked by the verifier
 * (and by jose in the tests), so there is nothing general-purpose to get wrong here.
 */
export function signSessionJwt(claims: Record<string, unknown>, key: Pick<SessionKey, 'kid' | 'privateKey'>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid, typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signingInput = `${header}.${payload}`;
  return `${signingInput}.${rsaSign('sha256', Buffer.from(signingInput, 'ascii'), key.privateKey).toString('base64url')}`;
}
