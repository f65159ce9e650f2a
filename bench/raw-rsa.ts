import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

/** node:crypto RSA-2048 operations per second on one core: the ceiling every hot path is compared with. */
export function measureRawRsa(durationMs = 2000): { signsPerSec: number; verifiesPerSec: number } {
  const { privateKey: pem } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key = createPrivateKey(pem);
  const pub = createPublicKey(key);
  // A SignedInfo-sized input, as in a SAML signature.
  const data = Buffer.alloc(600, 'x');
  const signature = sign('sha256', data, key);
  return {
    signsPerSec: rate(durationMs, () => sign('sha256', data, key)),
    verifiesPerSec: rate(durationMs, () => verify('sha256', data, pub, signature)),
  };
}

export function rate(durationMs: number, fn: () => unknown): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(durationMs) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}
