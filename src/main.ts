#!/usr/bin/env node
import pino from 'pino';
import { buildApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { issueSetupToken } from './setup/first-run.js';
import { ConfigError, loadConfig } from './config/config.js';
import { PublicUrls } from './http/public-urls.js';
import { systemClock } from './lib/clock.js';
import { migrateToLatest } from './store/migrations.js';
import { openDatabase } from './store/open-database.js';
import { SecretKeyError } from './secrets/master-key.js';
import { openSecrets } from './secrets/open-secrets.js';
import { Store } from './store/store.js';

/** Load config, open the store, migrate, bootstrap, build the app, listen. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'gatehouse' } });
  const opened = openDatabase(config.databaseUrl);
  await migrateToLatest(opened.db);
  let secrets;
  try {
    secrets = await openSecrets(opened.db, config);
  } catch (e) {
    if (e instanceof SecretKeyError) {
      console.error(`Gatehouse cannot start: ${e.message}`);
      await opened.close();
      process.exit(2);
    }
    throw e;
  }
  const store = new Store(opened.db, secrets.box);
  const boot = await bootstrap(store, config, systemClock);
  const urls = new PublicUrls(config.publicUrl);
  const { http } = await buildApp({ config, accountId: boot.accountId, store, clock: systemClock, logger, urls, ...(opened.poolStats ? { poolStats: opened.poolStats } : {}) });

  const purge = setInterval(() => store.purgeExpired(systemClock.now()).catch((e) => logger.warn({ err: e }, 'purge failed')), 60_000);
  purge.unref();

  await http.listen({ port: config.port, host: config.host });
  const lines = [
    '',
    `  Gatehouse is running at ${urls.base}`,
    `  Database:    ${opened.description}`,
    ...secrets.notices.map((n) => `  ${n}`),
    `  Account id:  ${boot.accountId}`,
    `  Admin API:   ${urls.base}/client/v4/accounts/${boot.accountId}/access/...`,
  ];
  if (boot.generatedToken) {
    lines.push(`  API token:   ${boot.generatedToken}`, '               (shown once; only its hash is stored. Keep it somewhere safe.)');
  } else if (boot.tokenSource === 'environment') {
    lines.push('  API token:   from GATEHOUSE_API_TOKEN');
  } else {
    lines.push('  API token:   printed on first start (stored hashed); set GATEHOUSE_API_TOKEN to replace it');
  }
  const setupToken = await issueSetupToken(store, systemClock.now());
  if (setupToken) lines.push(`  Setup:       ${urls.base}/cdn-cgi/access/setup?token=${setupToken}`, '               (one-time link, valid 24 h: name the first administrators)');
  else lines.push(`  Dashboard:   ${urls.base}/dashboard`);
  console.log(`${lines.join('\n')}\n`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    clearInterval(purge);
    await http.close();
    await opened.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
