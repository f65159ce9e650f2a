import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import { generateSigningCertificate } from '../keys/generate-signing-certificate.js';
import type { Clock } from '../lib/clock.js';
import { sha256Hex } from '../lib/sha256.js';
import type { Store } from '../store/store.js';

/** Cloudflare keeps the previous key valid for 7 days after a rotation. */
export const SESSION_KEY_GRACE_MS = 7 * 86_400_000;
/** How long an instance trusts its view of the key set before reading it again (rotation is announced ahead). */
const REFRESH_MS = 30_000;

export interface SessionKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
  certificatePem: string;
  createdAt: Date;
}

/**
 * The CF_Authorization signing keys. They live in the store (shared by all instances); parsed KeyObjects are
 * cached here because they are derived from immutable rows, keyed by kid.
 */
export class SessionKeyring {
  #keys: SessionKey[] = [];
  #loadedAt = -Infinity;
  #parsed = new Map<string, SessionKey>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Creates the first key on an empty database. Two instances racing here both succeed; the newest key signs. */
  async ensureKey(): Promise<void> {
    const now = this.clock.now();
    if ((await this.store.sessionKeys.verifying(now, SESSION_KEY_GRACE_MS)).length > 0) return;
    const cert = await generateSigningCertificate({ commonName: 'Gatehouse session signing', now });
    const kid = sha256Hex(createPublicKey(cert.privateKeyPem).export({ type: 'spki', format: 'der' }));
    await this.store.sessionKeys.insert({ kid, privateKeyPem: cert.privateKeyPem, certificatePem: cert.certificatePem, createdAt: now, retiredAt: null });
    this.#loadedAt = -Infinity;
  }

  /** Keys that verify, newest (the signing key) first. */
  async keys(): Promise<SessionKey[]> {
    const now = this.clock.now();
    if (now.getTime() - this.#loadedAt > REFRESH_MS || this.#keys.length === 0) {
      const rows = await this.store.sessionKeys.verifying(now, SESSION_KEY_GRACE_MS);
      this.#keys = await Promise.all(rows.map((r) => this.#parse(r.kid, r.privateKeyPem, r.certificatePem, r.createdAt)));
      this.#loadedAt = now.getTime();
    }
    return this.#keys;
  }

  async signingKey(): Promise<SessionKey> {
    const [current] = await this.keys();
    if (!current) throw new Error('no session signing key: ensureKey() was not called at start');
    return current;
  }

  async byKid(kid: string): Promise<SessionKey | undefined> {
    const found = (await this.keys()).find((k) => k.kid === kid);
    if (found) return found;
    // A kid we do not know may be a key another instance just created: read once more, now.
    this.#loadedAt = -Infinity;
    return (await this.keys()).find((k) => k.kid === kid);
  }

  async #parse(kid: string, privateKeyPem: string, certificatePem: string, createdAt: Date): Promise<SessionKey> {
    const cached = this.#parsed.get(kid);
    if (cached) return cached;
    const privateKey = createPrivateKey(privateKeyPem);
    const publicKey = createPublicKey(privateKey);
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const key = { kid, privateKey, publicKey, jwk, certificatePem, createdAt };
    this.#parsed.set(kid, key);
    return key;
  }
}
