import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { pkceS256Challenge } from './pkce-challenge.js';

describe('pkceS256Challenge', () => {
  it("equals openid-client's own S256 challenge for its verifiers", async () => {
    for (let i = 0; i < 20; i++) {
      const verifier = client.randomPKCECodeVerifier();
      expect(pkceS256Challenge(verifier)).toBe(await client.calculatePKCECodeChallenge(verifier));
    }
  });

  it('is unpadded base64url of the SHA-256 digest', () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2 example)
    expect(pkceS256Challenge('abc')).toBe(Buffer.from('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex').toString('base64url'));
    expect(pkceS256Challenge('abc')).not.toMatch(/[=+/]/);
  });
});
