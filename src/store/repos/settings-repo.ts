import type { Kysely } from 'kysely';
import type { SecretBox } from '../../secrets/secret-box.js';
import { type SecretSetting, secretContext } from '../../secrets/secret-contexts.js';
import type { Database } from '../database.js';

export class SettingsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  /** A secret setting, decrypted (a value that does not open under this database's key throws: fail closed). */
  async getSecret(key: SecretSetting): Promise<string | undefined> {
    const sealed = await this.get(key);
    return sealed === undefined ? undefined : this.secrets.open(sealed, secretContext.setting(key));
  }

  /** setIfAbsent for a secret setting; returns the stored value, decrypted. */
  async setSecretIfAbsent(key: SecretSetting, value: string): Promise<string> {
    const stored = await this.setIfAbsent(key, this.secrets.seal(value, secretContext.setting(key)));
    return this.secrets.open(stored, secretContext.setting(key));
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  /** Stores value unless the key exists; returns what is stored. Safe when instances start at the same time. */
  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return (await this.get(key))!;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
