import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database } from '../store/database.js';
import { createMasterKeyFile, keyFileIsShared, readMasterKey, SecretKeyError } from './master-key.js';
import type { SecretBox } from './secret-box.js';
import { hasSecretKeyring, unlockSecrets } from './secret-keyring.js';

export interface OpenedSecrets {
  box: SecretBox;
  /** Facts for the operator (printed at start): never the key. */
  notices: string[];
}

/**
 * Start-up: find the master key and open the database's data key with it. Fails closed with a SecretKeyError when
 * the key is missing for a database that has secrets, is malformed, or is not this database's key. A key is created
 * only for a brand-new database, only outside production, and only at the default file path.
 */
export async function openSecrets(db: Kysely<Database>, config: Pick<Config, 'secretKey' | 'production'>): Promise<OpenedSecrets> {
  const notices: string[] = [];
  let key = readMasterKey(config.secretKey);
  if (!key) {
    if (await hasSecretKeyring(db)) {
      throw new SecretKeyError(
        `this database's secrets are encrypted, but no key was given: set GATEHOUSE_SECRET_KEY, or GATEHOUSE_SECRET_KEY_FILE (looked for ${config.secretKey.file}). ` +
          'Gatehouse never generates a new key for a database that has secrets: that would lose them.',
      );
    }
    if (config.production || !config.secretKey.fileIsDefault) {
      throw new SecretKeyError(
        config.production
          ? 'NODE_ENV=production needs a secret key: set GATEHOUSE_SECRET_KEY or GATEHOUSE_SECRET_KEY_FILE (make one with `gatehouse secret-key generate`) and keep it apart from database backups'
          : `GATEHOUSE_SECRET_KEY_FILE names ${config.secretKey.file}, which does not exist (make a key with \`gatehouse secret-key generate\`)`,
      );
    }
    key = createMasterKeyFile(config.secretKey.file);
    notices.push(`Secret key:  created ${config.secretKey.file} (back it up apart from the database; without it the database's secrets are lost)`);
  } else if (config.secretKey.value === undefined && keyFileIsShared(config.secretKey.file)) {
    notices.push(`Warning:     ${config.secretKey.file} is readable by other users (chmod 600 it)`);
  }
  const { box, created } = await unlockSecrets(db, key);
  if (created) notices.push(`Secrets:     encrypted at rest under key id ${key.id}`);
  return { box, notices };
}
