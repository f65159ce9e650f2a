import { createHmac, hkdfSync } from 'node:crypto';
import { GCM_IV_BYTES, gcmOpen, gcmSeal } from '../secrets/aes-gcm.js';
import type { MasterKey } from '../secrets/master-key.js';
import { SEALED_EXPORT_PREFIX } from './bundle-format.js';


/** A sealed value of a bundle does not open under the given key for that object. */
export class BundleSecretError extends Error {
  constructor(readonly context: string) {
    super(`a sealed secret (${context}) does not open with this key: the bundle was sealed under another key, or the value was altered or moved to another object`);
    this.name = 'BundleSecretError';
  }
}

/**
 * Seals the secrets of an export with AES-256-GCM under the operator's export key (`--secrets-key-file`, 32 bytes in
 * GATEHOUSE_SECRET_KEY's format), never under the database's own key: a bundle must open on another database.
 *
 * Each value is bound to a context naming its object (the GCM additional data), so a sealed client secret cannot be
 * moved to another login method, nor an app's private key to another app.
 *
 * The IV is synthetic (an HMAC of context and plaintext under a separate sub-key) rather than random, so exporting the
 * same configuration twice gives the same file and a git diff shows only real changes. This reveals only whether a
 * given object's secret changed between two exports; distinct (context, plaintext) pairs get distinct IVs except with
 * negligible probability, which is what GCM needs.
 */
export class ExportSealer {
  readonly keyId: string;
  readonly #encKey: Buffer;
  readonly #ivKey: Buffer;

  constructor(key: MasterKey) {
    this.keyId = key.id;
    this.#encKey = Buffer.from(hkdfSync('sha256', key.bytes, Buffer.alloc(0), 'gatehouse export v1 aes-256-gcm', 32));
    this.#ivKey = Buffer.from(hkdfSync('sha256', key.bytes, Buffer.alloc(0), 'gatehouse export v1 synthetic iv', 32));
  }

  seal(plaintext: string, context: string): string {
    const iv = createHmac('sha256', this.#ivKey).update(context).update('\0').update(plaintext).digest().subarray(0, GCM_IV_BYTES);
    return SEALED_EXPORT_PREFIX + gcmSeal(this.#encKey, Buffer.from(plaintext, 'utf8'), Buffer.from(context, 'utf8'), iv).toString('base64url');
  }

  open(sealed: string, context: string): string {
    if (!sealed.startsWith(SEALED_EXPORT_PREFIX)) throw new BundleSecretError(context);
    const plaintext = gcmOpen(this.#encKey, Buffer.from(sealed.slice(SEALED_EXPORT_PREFIX.length), 'base64url'), Buffer.from(context, 'utf8'));
    if (!plaintext) throw new BundleSecretError(context);
    return plaintext.toString('utf8');
  }
}

/** The GCM additional data of each sealed bundle value: `export:` plus the object it belongs to. */
export const exportContext = {
  idpClientSecret: (idpId: string) => `export:identity_providers:${idpId}:client_secret`,
  appSigningKey: (appId: string, keyId: string) => `export:apps:${appId}:app_signing_keys:${keyId}:private_key_pem`,
  spSigningKey: () => 'export:settings:saml_sp_signing_key',
} as const;
