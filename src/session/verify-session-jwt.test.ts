import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { SessionKey } from './session-keyring.js';
import { verifySessionJwt } from './verify-session-jwt.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKey = createPublicKey(privateKey);
const kid = 'a'.repeat(64);
const key: SessionKey = { kid, privateKey, publicKey, jwk: {}, certificatePem: '', createdAt: new Date(0), generation: 1, activatedAt: new Date(0) };
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const now = 1_800_000_000;
const expect_ = { issuer: 'https://team.example.com', audience: 'team.example.com', nowSeconds: now, clockToleranceSeconds: 60 };
const keyFor = (k: string) => (k === kid ? key : undefined);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const claims = { iss: expect_.issuer, aud: [expect_.audience], sub: 'u1', email: 'alice@example.com', identity_nonce: 'n', type: 'org', iat: now, nbf: now, exp: now + 3600 };

async function good(overrides: Record<string, unknown> = {}, signer = privateKey): Promise<string> {
  return new SignJWT({ ...claims, ...overrides }).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(signer);
}
function rs256(header: unknown, payload: unknown, signer = privateKey): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), signer).toString('base64url')}`;
}

describe('verifySessionJwt (SESS-JWT-*)', () => {
  it('accepts a token jose issued with our key and returns its claims', async () => {
    const r = verifySessionJwt(await good(), keyFor, expect_);
    expect(r).toMatchObject({ ok: true, claims: { sub: 'u1', email: 'alice@example.com' } });
  });

  it('refuses alg none, HS256 keyed with the public key, and any extra header (jku, jwk, x5u)', async () => {
    const none = `${b64({ alg: 'none', kid, typ: 'JWT' })}.${b64(claims)}.`;
    expect(verifySessionJwt(none, keyFor, expect_).ok).toBe(false);
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    const input = `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${b64(claims)}`;
    const hs = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(verifySessionJwt(hs, keyFor, expect_)).toMatchObject({ ok: false, reason: 'header' });
    const jwk = await exportJWK(createPublicKey(other));
    for (const extra of [{ jku: 'https://evil.test/jwks' }, { jwk }, { x5u: 'https://evil.test/c' }, { crit: ['exp'] }]) {
      expect(verifySessionJwt(rs256({ alg: 'RS256', kid, typ: 'JWT', ...extra }, claims, other), keyFor, expect_)).toMatchObject({ ok: false, reason: 'header' });
    }
  });

  it('refuses another key, an unknown kid, a tampered payload and re-encoded segments', async () => {
    expect(verifySessionJwt(await good({}, createPrivateKey(other.export({ type: 'pkcs8', format: 'pem' }))), keyFor, expect_)).toMatchObject({ ok: false, reason: 'signature' });
    expect(verifySessionJwt(rs256({ alg: 'RS256', kid: 'b'.repeat(64), typ: 'JWT' }, claims), keyFor, expect_)).toMatchObject({ ok: false, reason: 'unknown_kid' });
    const [h, , s] = (await good()).split('.');
    expect(verifySessionJwt(`${h}.${b64({ ...claims, email: 'admin@example.com' })}.${s}`, keyFor, expect_)).toMatchObject({ ok: false, reason: 'signature' });
    const t = await good();
    expect(verifySessionJwt(`${t}=`, keyFor, expect_).ok).toBe(false);
    // Standard-alphabet characters in place of base64url ones. A random token may hold no '-' (or '_'), which
    // made the plain replace a no-op now and then; the fallback puts a '+' in the signature.
    const reencoded = t.includes('-') ? t.replace(/-/g, '+') : t.includes('_') ? t.replace(/_/g, '/') : `${t.slice(0, -1)}+`;
    expect(reencoded).not.toBe(t);
    expect(verifySessionJwt(reencoded, keyFor, expect_).ok).toBe(false);
    expect(verifySessionJwt(` ${t}`, keyFor, expect_).ok).toBe(false);
  });

  it('checks iss, aud and the time claims', async () => {
    expect(verifySessionJwt(await good({ iss: 'https://other.example.com' }), keyFor, expect_)).toMatchObject({ ok: false, reason: 'iss' });
    expect(verifySessionJwt(await good({ aud: ['app-b'] }), keyFor, expect_)).toMatchObject({ ok: false, reason: 'aud' });
    expect(verifySessionJwt(await good({ exp: now - 61 }), keyFor, expect_)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifySessionJwt(await good({ nbf: now + 120 }), keyFor, expect_)).toMatchObject({ ok: false, reason: 'not_yet_valid' });
    expect(verifySessionJwt(await good({ exp: '9999999999' }), keyFor, expect_)).toMatchObject({ ok: false, reason: 'claims' });
    expect(verifySessionJwt(await good({ exp: 1.5e9 + 0.5 }), keyFor, expect_)).toMatchObject({ ok: false, reason: 'claims' });
  });
});
