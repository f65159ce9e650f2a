import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal } from './aes-gcm.js';
import { sha256Hex } from '../lib/sha256.js';

/** Sealed values start with this tag; anything else in a secret column is refused (no plaintext fallback). */
const SEALED_PREFIX = 'gh1.';

/** A secret column held a value that is not a valid sealed value for this row under this database's key. */
export class SecretUnreadableError extends Error {
  constructor(readonly context: string) {
    super(`a stored secret (${context}) cannot be decrypted with this database's key: it was altered, moved between rows, or written under another key`);
    this.name = 'SecretUnreadableError';
  }
}

/**
 * Encrypts Gatehouse's secrets at rest (private keys, OIDC client secrets, the CSRF key) with AES-256-GCM under the
 * database's data key, and hashes API tokens with an HMAC keyed by it. The data key itself is stored only wrapped by
 * the operator's GATEHOUSE_SECRET_KEY (see secret-keyring.ts), so a copy of the database alone reveals nothing and
 * cannot even be used to check guesses of an API token offline.
 *
 * Every seal is bound to a context naming its row and column (the GCM additional data): a ciphertext copied into
 * another row (say, one app's private key into another app) fails to open instead of being used.
 */
export class SecretBox {
  readonly #encKey: Buffer;
  readonly #tokenKey: Buffer;

  /** dataKey: the 32 random bytes unwrapped from the keyring. Sub-keys are separated by HKDF labels. */
  constructor(dataKey: Buffer) {
    if (dataKey.length !== 32) throw new Error('the data key must be 32 bytes');
    this.#encKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'gatehouse secrets v1 aes-256-gcm', 32));
    this.#tokenKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'gatehouse secrets v1 token-hash', 32));
  }

  /** A box over a fresh random data key: for tests and for stores that never persist (in-memory tools). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  seal(plaintext: string, context: string): string {
    return SEALED_PREFIX + gcmSeal(this.#encKey, Buffer.from(plaintext, 'utf8'), Buffer.from(context, 'utf8')).toString('base64url');
  }

  open(sealed: string, context: string): string {
    if (!sealed.startsWith(SEALED_PREFIX)) throw new SecretUnreadableError(context);
    const plaintext = gcmOpen(this.#encKey, Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url'), Buffer.from(context, 'utf8'));
    if (!plaintext) throw new SecretUnreadableError(context);
    return plaintext.toString('utf8');
  }

  /**
   * The stored form of a bearer token (API tokens, the setup link). HMAC over the token's SHA-256 rather than over
   * the token, so a database from before encryption at rest (which stored SHA-256 hashes) converts in place.
   */
  tokenHash(token: string): string {
    return this.hashOfSha256(sha256Hex(token));
  }

  /** tokenHash from an already computed SHA-256 hex digest (the conversion of pre-encryption rows). */
  hashOfSha256(sha256hex: string): string {
    return createHmac('sha256', this.#tokenKey).update(sha256hex).digest('hex');
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}
