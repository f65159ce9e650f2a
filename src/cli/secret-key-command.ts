import { loadConfig } from '../config/config.js';
import { generateMasterKeyText, type MasterKey, parseMasterKey, readMasterKey, SecretKeyError } from '../secrets/master-key.js';
import { acceptedMasterKeyIds, addMasterKey, retireOtherMasterKeys } from '../secrets/secret-keyring.js';
import { migrateToLatest } from '../store/migrations.js';
import { openDatabase } from '../store/open-database.js';
import { CliError } from './cli-error.js';

export const SECRET_KEY_USAGE = `gatehouse secret-key generate              print a new random key (base64url, 32 bytes)
gatehouse secret-key status                which key ids the database accepts, and this key's id
gatehouse secret-key add                   also accept the key in GATEHOUSE_NEW_SECRET_KEY (or _FILE)
gatehouse secret-key retire-old            accept only the current key (GATEHOUSE_SECRET_KEY / _FILE)`;

/**
 * Rotating the master key (README, "Rotating the secret key"): `add` wraps the data key with the new key as well, the
 * instances are restarted one by one with the new key, then `retire-old` (run with the new key) removes the old wrap.
 * Only one settings row changes each time, so instances keep serving throughout.
 */
export async function secretKeyCommand(args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<void> {
  const [sub] = args;
  if (sub === 'generate') {
    out(generateMasterKeyText());
    return;
  }
  if (sub !== 'status' && sub !== 'add' && sub !== 'retire-old') throw new CliError(`unknown secret-key command ${sub ?? '(none)'}\n${SECRET_KEY_USAGE}`);
  const config = loadConfig(env);
  const current = readMasterKey(config.secretKey);
  if (!current) throw new SecretKeyError('set GATEHOUSE_SECRET_KEY or GATEHOUSE_SECRET_KEY_FILE to the key the database uses now');
  const opened = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(opened.db);
    if (sub === 'status') {
      const ids = await acceptedMasterKeyIds(opened.db);
      out(`database accepts key ids: ${ids.length ? ids.join(', ') : '(none yet: start Gatehouse once)'}`);
      out(`this key (${current.source}) has id ${current.id}${ids.includes(current.id) ? '' : ' (NOT accepted)'}`);
    } else if (sub === 'add') {
      const next = newKey(env);
      await addMasterKey(opened.db, current, next);
      out(`the database now accepts key id ${next.id} as well as ${current.id}; restart each instance with the new key, then run \`gatehouse secret-key retire-old\` with it`);
    } else {
      const removed = await retireOtherMasterKeys(opened.db, current);
      out(`removed ${removed} other key(s); the database accepts only key id ${current.id}`);
    }
  } finally {
    await opened.close();
  }
}

function newKey(env: NodeJS.ProcessEnv): MasterKey {
  if (env.GATEHOUSE_NEW_SECRET_KEY) return parseMasterKey(env.GATEHOUSE_NEW_SECRET_KEY, 'GATEHOUSE_NEW_SECRET_KEY');
  if (env.GATEHOUSE_NEW_SECRET_KEY_FILE) {
    const key = readMasterKey({ value: undefined, file: env.GATEHOUSE_NEW_SECRET_KEY_FILE });
    if (key) return key;
    throw new SecretKeyError(`GATEHOUSE_NEW_SECRET_KEY_FILE names ${env.GATEHOUSE_NEW_SECRET_KEY_FILE}, which does not exist`);
  }
  throw new CliError('set GATEHOUSE_NEW_SECRET_KEY or GATEHOUSE_NEW_SECRET_KEY_FILE to the new key (make one with `gatehouse secret-key generate`)');
}
