import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { PublicUrls } from './http/public-urls.js';
import type { Clock } from './lib/clock.js';
import type { PoolStats } from './observability/metrics.js';
import type { Store } from './store/store.js';

/** What every module that serves requests is given: nothing global, everything injected. */
export interface AppContext {
  config: Config;
  /** The account id in /client/v4/accounts/<id>/...: from GATEHOUSE_ACCOUNT_ID or generated once and stored. */
  accountId: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  urls: PublicUrls;
  /** Database pool usage for /metrics, when the database has a pool (PostgreSQL). */
  poolStats?: () => PoolStats;
}
