import { createPrivateKey, type KeyObject } from 'node:crypto';
import { generateSigningCertificate } from '../../keys/generate-signing-certificate.js';
import type { Clock } from '../../lib/clock.js';
import type { SecretSetting } from '../../secrets/secret-contexts.js';
import type { Store } from '../../store/store.js';

const SETTING = 'saml_sp_signing_key' satisfies SecretSetting;

export interface SpKey {
  privateKey: KeyObject;
  certificatePem: string;
}

/**
 * Gatehouse's own SAML SP key: signs AuthnRequests (sign_request) and is published in the SP metadata. One per
 * deployment, created on first use; setIfAbsent makes instances starting together agree on a single key. The
 * private key never leaves the store except into this process.
 */
export class SpSigningKey {
  #loaded: Promise<SpKey> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  get(): Promise<SpKey> {
    this.#loaded ??= this.#load().catch((e: unknown) => {
      this.#loaded = undefined; // a database hiccup must not poison every later request
      throw e;
    });
    return this.#loaded;
  }

  async #load(): Promise<SpKey> {
    let stored = await this.store.settings.getSecret(SETTING);
    if (!stored) {
      const generated = await generateSigningCertificate({ commonName: 'Gatehouse SAML SP', now: this.clock.now() });
      stored = await this.store.settings.setSecretIfAbsent(SETTING, JSON.stringify({ privateKeyPem: generated.privateKeyPem, certificatePem: generated.certificatePem }));
    }
    const { privateKeyPem, certificatePem } = JSON.parse(stored) as { privateKeyPem: string; certificatePem: string };
    return { privateKey: createPrivateKey(privateKeyPem), certificatePem };
  }
}
