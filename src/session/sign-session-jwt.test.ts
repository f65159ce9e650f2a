import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signSessionJwt } from './sign-session-jwt.js';
import { verifySessionJwt } from './verify-session-jwt.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKey = createPublicKey(privateKey);
const kid = 'b'.repeat(64);
const now = Math.floor(Date.now() / 1000);
const claims = { email: 'alice@example.com', identity_nonce: 'n1', type: 'org', account_id: 'a'.repeat(32), iss: 'https://team.example.com', aud: ['team.example.com'], sub: 'u1', iat: now, nbf: now, exp: now + 3600 };

describe('signSessionJwt', () => {
  it('writes a token that jose verifies against the published JWKS (what an app behind Gatehouse does with CF_Authorization)', async () => {
    const token = signSessionJwt(claims, { kid, privateKey });
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: claims.iss, audience: 'team.example.com' });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid, typ: 'JWT' });
    expect(payload).toEqual(claims);
  });

  it('writes exactly the header the hot-path verifier accepts, and the verifier returns the same claims', () => {
    const token = signSessionJwt(claims, { kid, privateKey });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid, typ: 'JWT' });
    const key = { kid, privateKey, publicKey, jwk: {}, certificatePem: '', createdAt: new Date(0), generation: 1, activatedAt: new Date(0) };
    const r = verifySessionJwt(token, (k) => (k === kid ? key : undefined), { issuer: claims.iss, audience: 'team.example.com', nowSeconds: now, clockToleranceSeconds: 60 });
    expect(r).toEqual({ ok: true, claims });
  });
});
