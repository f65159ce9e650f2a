import { randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal } from './aes-gcm.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import { encryptExistingSecrets } from './encrypt-existing-secrets.js';
import { type MasterKey, SecretKeyError } from './master-key.js';
import { SecretBox } from './secret-box.js';

/** settings rows `secret_data_key:<master key id>`: the data key wrapped by each accepted master key. */
const WRAP_PREFIX = 'secret_data_key:';

/**
 * Envelope encryption: one random data key per database encrypts every secret; the operator's master key only wraps
 * it. Rotating the master key therefore rewrites one row, not every secret, and during a rotation the data key is
 * wrapped by both keys so instances restarted with either key keep working.
 */
export async function unlockSecrets(db: Kysely<Database>, key: MasterKey): Promise<{ box: SecretBox; created: boolean }> {
  const existing = await readWraps(db);
  const mine = existing.get(key.id);
  if (mine) return { box: new SecretBox(unwrap(mine, key)), created: false };
  if (existing.size > 0) throw wrongKey(key, existing);
  // A database without a data key: create one and, in the same transaction, convert any secrets stored in clear by a
  // Gatehouse from before encryption at rest. Instances starting together race on the insert; the loser uses the
  // winner's key (its conversion is rolled back and redone by nobody, since the winner's already ran).
  const dataKey = randomBytes(32);
  const created = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('settings')
      .values({ key: WRAP_PREFIX + key.id, value: wrap(dataKey, key) })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    await encryptExistingSecrets(trx, new SecretBox(dataKey));
    return true;
  });
  if (created) return { box: new SecretBox(dataKey), created: true };
  return unlockSecrets(db, key);
}

/** Whether this database already holds encrypted secrets (then a missing key is an error, never a fresh key). */
export async function hasSecretKeyring(db: Kysely<Database>): Promise<boolean> {
  return (await readWraps(db)).size > 0;
}

/** Step 1 of a master-key rotation: wrap the data key with the new key too. Idempotent. */
export async function addMasterKey(db: Kysely<Database>, current: MasterKey, next: MasterKey): Promise<void> {
  const wraps = await readWraps(db);
  const mine = wraps.get(current.id);
  if (!mine) throw wraps.size > 0 ? wrongKey(current, wraps) : new SecretKeyError('this database has no encrypted secrets yet: start Gatehouse once first');
  const dataKey = unwrap(mine, current);
  await db
    .insertInto('settings')
    .values({ key: WRAP_PREFIX + next.id, value: wrap(dataKey, next) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: wrap(dataKey, next) }))
    .execute();
}

/** Step 2, once every instance runs with `keep`: remove every other key's wrap. Returns how many were removed. */
export async function retireOtherMasterKeys(db: Kysely<Database>, keep: MasterKey): Promise<number> {
  const wraps = await readWraps(db);
  const mine = wraps.get(keep.id);
  if (!mine) throw wrongKey(keep, wraps);
  unwrap(mine, keep); // proves the key really opens the data key before anything else is deleted
  const others = [...wraps.keys()].filter((id) => id !== keep.id).map((id) => WRAP_PREFIX + id);
  if (others.length === 0) return 0;
  const res = await db.deleteFrom('settings').where('key', 'in', others).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The master key ids this database accepts (for `gatehouse secret-key status`). */
export async function acceptedMasterKeyIds(db: Kysely<Database>): Promise<string[]> {
  return [...(await readWraps(db)).keys()].sort();
}

async function readWraps(db: Kysely<Database> | Transaction<Database>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', `${WRAP_PREFIX}%`).execute();
  return new Map(rows.map((r) => [r.key.slice(WRAP_PREFIX.length), r.value]));
}

function aad(key: MasterKey): Buffer {
  return Buffer.from(`gatehouse data key v1:${key.id}`);
}

function wrap(dataKey: Buffer, key: MasterKey): string {
  return gcmSeal(key.bytes, dataKey, aad(key)).toString('base64url');
}

function unwrap(wrapped: string, key: MasterKey): Buffer {
  const dataKey = gcmOpen(key.bytes, Buffer.from(wrapped, 'base64url'), aad(key));
  // The id matched but the wrap does not open: the row was altered. Fail closed; never generate a new key.
  if (!dataKey || dataKey.length !== 32) {
    throw new SecretKeyError(`the data key stored for ${key.source} (key id ${key.id}) does not decrypt: the settings row was altered or corrupted. Restore the database from a backup.`);
  }
  return dataKey;
}

function wrongKey(key: MasterKey, wraps: Map<string, string>): SecretKeyError {
  return new SecretKeyError(
    `${key.source} (key id ${key.id}) is not a key of this database, whose secrets are encrypted under key id ${[...wraps.keys()].join(', ')}. ` +
      'Start Gatehouse with the key this database was set up with. Gatehouse never generates a new key for a database that has secrets: that would lose them.',
  );
}
