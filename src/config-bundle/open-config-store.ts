import { type Config, loadConfig } from '../config/config.js';
import { PublicUrls } from '../http/public-urls.js';
import { openSecrets } from '../secrets/open-secrets.js';
import { migrateToLatest } from '../store/migrations.js';
import { openDatabase } from '../store/open-database.js';
import { Store } from '../store/store.js';

export interface ConfigStore {
  config: Config;
  store: Store;
  urls: PublicUrls;
  /** Facts about the secret key for the operator (never the key). */
  notices: string[];
  close(): Promise<void>;
}

/**
 * The database the server uses (DATABASE_URL and the secret key from the same environment), opened the way the server
 * opens it: migrated to the latest schema, secrets unlocked. Safe next to running servers: the commands write only
 * through Store.changeConfig.
 */
export async function openConfigStore(env: NodeJS.ProcessEnv): Promise<ConfigStore> {
  const config = loadConfig(env);
  const opened = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(opened.db);
    const { box, notices } = await openSecrets(opened.db, config);
    return { config, store: new Store(opened.db, box), urls: new PublicUrls(config.publicUrl), notices, close: () => opened.close() };
  } catch (e) {
    await opened.close();
    throw e;
  }
}
