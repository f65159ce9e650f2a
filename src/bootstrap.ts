import type { Config } from './config/config.js';
import type { Clock } from './lib/clock.js';
import { randomHex, randomToken } from './lib/random.js';
import type { Store } from './store/store.js';

export interface BootstrapResult {
  accountId: string;
  /** The bootstrap admin token in clear: only on the start that generated it. */
  generatedToken?: string;
  tokenSource: 'environment' | 'generated' | 'stored';
}

const BOOTSTRAP_TOKEN_ID = 'bootstrap';

/**
 * First-start state: the account id and the bootstrap admin token. The token is stored only as a SHA-256 hash;
 * when generated it is returned once, for printing, and never again.
 */
export async function bootstrap(store: Store, config: Config, clock: Clock): Promise<BootstrapResult> {
  const storedAccount = await store.settings.setIfAbsent('account_id', config.accountId ?? randomHex(16));
  if (config.accountId && storedAccount !== config.accountId) {
    throw new Error(
      `GATEHOUSE_ACCOUNT_ID is ${config.accountId}, but this database belongs to account ${storedAccount}. ` +
        'Unset GATEHOUSE_ACCOUNT_ID or set it to the stored value.',
    );
  }
  const now = clock.now();
  if (config.apiToken) {
    await store.apiTokens.put(BOOTSTRAP_TOKEN_ID, 'Bootstrap token (GATEHOUSE_API_TOKEN)', config.apiToken, now);
    return { accountId: storedAccount, tokenSource: 'environment' };
  }
  const token = `gh_${randomToken(32)}`;
  const inserted = await store.apiTokens.insertIfAbsent(BOOTSTRAP_TOKEN_ID, 'Bootstrap token (generated)', token, now);
  return inserted ? { accountId: storedAccount, generatedToken: token, tokenSource: 'generated' } : { accountId: storedAccount, tokenSource: 'stored' };
}
