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

  // Graceful shutdown (systemd, docker stop, a deploy): stop accepting connections at once, so a proxy in front moves
  // new requests to another instance; let the requests in flight finish; then stop the purge and close the store
  // (those requests still need it). A second signal, or requests still running after SHUTDOWN_GRACE_MS, end the
  // process without waiting any longer.
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ event: 'shutdown.forced', signal }, 'second signal: exiting without waiting for requests in flight');
      process.exit(1);
    }
    stopping = true;
    logger.info({ event: 'shutdown.started', signal }, 'shutting down: refusing new connections, finishing requests in flight');
    const force = setTimeout(() => {
      logger.warn({ event: 'shutdown.forced', grace_ms: SHUTDOWN_GRACE_MS }, 'requests still in flight after the grace period: exiting without them');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // server.close() closes only the keep-alive connections idle at that moment; one whose request finishes later
    // would hold the close open for the keep-alive timeout (72 s). Sweep them as they fall idle.
    const sweep = setInterval(() => http.server.closeIdleConnections(), 100);
    try {
      await http.close();
      clearInterval(sweep);
      clearInterval(purge);
      await opened.close();
    } catch (e) {
      logger.error({ event: 'shutdown.failed', err: e }, 'shutdown failed');
      process.exit(1);
    }
    logger.info({ event: 'shutdown.completed' }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** How long requests in flight may take to finish after SIGTERM (below systemd's 90 s and Kubernetes' 30 s). */
const SHUTDOWN_GRACE_MS = 25_000;

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
