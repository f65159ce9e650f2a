import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import { isSealed, type SecretBox } from './secret-box.js';
import { SECRET_SETTINGS, SETUP_TOKEN_SETTING, secretContext } from './secret-contexts.js';

/**
 * The one-time conversion of a database written before encryption at rest: every secret column is sealed and every
 * token hash keyed, inside the transaction that creates the data key. On a new database it finds nothing to do.
 */
export async function encryptExistingSecrets(trx: Transaction<Database>, box: SecretBox): Promise<void> {
  for (const r of await trx.selectFrom('identity_providers').select(['id', 'secrets']).execute()) {
    if (!isSealed(r.secrets)) await trx.updateTable('identity_providers').set({ secrets: box.seal(r.secrets, secretContext.idpSecrets(r.id)) }).where('id', '=', r.id).execute();
  }
  for (const r of await trx.selectFrom('app_signing_keys').select(['id', 'private_key_pem']).execute()) {
    if (!isSealed(r.private_key_pem)) {
      await trx.updateTable('app_signing_keys').set({ private_key_pem: box.seal(r.private_key_pem, secretContext.appSigningKey(r.id)) }).where('id', '=', r.id).execute();
    }
  }
  for (const r of await trx.selectFrom('session_keys').select(['kid', 'private_key_pem']).execute()) {
    if (!isSealed(r.private_key_pem)) {
      await trx.updateTable('session_keys').set({ private_key_pem: box.seal(r.private_key_pem, secretContext.sessionKey(r.kid)) }).where('kid', '=', r.kid).execute();
    }
  }
  for (const key of SECRET_SETTINGS) {
    const row = await trx.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    if (row && !isSealed(row.value)) await trx.updateTable('settings').set({ value: box.seal(row.value, secretContext.setting(key)) }).where('key', '=', key).execute();
  }
  // Token hashes were plain SHA-256; the keyed hash is an HMAC of exactly that digest, so rows convert in place.
  for (const r of await trx.selectFrom('api_tokens').select(['id', 'token_hash']).execute()) {
    await trx.updateTable('api_tokens').set({ token_hash: box.hashOfSha256(r.token_hash) }).where('id', '=', r.id).execute();
  }
  const setup = await trx.selectFrom('settings').select('value').where('key', '=', SETUP_TOKEN_SETTING).executeTakeFirst();
  if (setup?.value) {
    const parsed = JSON.parse(setup.value) as { hash: string; expiresAt: number };
    await trx.updateTable('settings').set({ value: JSON.stringify({ ...parsed, hash: box.hashOfSha256(parsed.hash) }) }).where('key', '=', SETUP_TOKEN_SETTING).execute();
  }
}
