// Starts the server: reads config, builds the app, listens, and shuts down gracefully. With
// GATEHOUSE_WORKERS above 1 the primary process migrates once and forks that many workers that
// share the port (node:cluster), restarting any that die.
//
// SIGTERM (or SIGINT): no new connection is accepted, requests in flight finish (for at most
// SHUTDOWN_GRACE_MS, then their connections are closed), claimed mail goes back to the queue, the
// database and Redis are closed, and the process exits 0. A second signal exits at once with 1.
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import pino from 'pino';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrator.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function superviseWorkers(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel });
  if (config.migrateOnStart) {
    const database = await openDatabase({ databaseUrl: config.databaseUrl });
    try {
      await migrateToLatest(database.db);
    } finally {
      await database.close();
    }
  }
  let stopping = false;
  let workerFailedToStop = false;
  const fork = () => cluster.fork({ MIGRATE_ON_START: 'false' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (code !== 0) workerFailedToStop = true;
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    fork();
  });
  const liveWorkers = () => Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
  // Each worker shuts down gracefully on its own SIGTERM; the primary waits for all of them.
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: killing workers and exiting now');
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping workers');
    for (const worker of liveWorkers()) worker.process.kill('SIGTERM');
    const check = setInterval(() => {
      if (liveWorkers().length === 0) {
        clearInterval(check);
        process.exit(workerFailedToStop ? 1 : 0);
      }
    }, 50);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers }, 'primary started workers');
}

export async function serve(options: { webDev?: boolean } = {}): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`gatehouse: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (config.workers > 1 && cluster.isPrimary) return superviseWorkers(config);
  const { app, ctx } = await buildApp({ config, webDev: options.webDev ?? false });
  const log = app.log;
  if (config.secretGenerated) log.warn(`No GATEHOUSE_SECRET set: generated one into ${config.dataDir}/gatehouse.secret. Back it up; set GATEHOUSE_SECRET in production.`);
  if (!config.rateLimitEnabled) log.warn('!!! RATE_LIMIT_ENABLED=false: sign-in, registration and password change are NOT rate limited. Use this for benchmarks only. !!!');
  if (config.databaseUrl && !config.redisUrl) log.warn('DATABASE_URL without REDIS_URL: rate-limit counters are kept per instance; set REDIS_URL when running more than one instance.');
  log.info({ database: ctx.database.kind, redis: Boolean(config.redisUrl), hasher: config.passwordHasher }, 'starting');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal }, 'shutting down: accepting no new connections, finishing requests in flight');
    // app.close() stops listening and waits for the open requests before its onClose hooks stop
    // the mail worker and close Redis and the database; past the grace period their connections close.
    const grace = setTimeout(() => {
      log.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still in flight after the grace period: closing their connections');
      app.server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    grace.unref();
    app.close().then(
      () => {
        log.info('shut down');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // Fastify would print every interface address; a browser must use PUBLIC_URL's origin (the
  // CSRF check refuses forms from any other), so that is the one address the log offers.
  await app.listen({ port: config.port, host: config.host, listenTextResolver: (address) => `bound to ${address}` });
  log.info(`Gatehouse is ready: open ${config.publicUrl.origin}/ in a browser`);
}

// `npm run dev` passes --dev: the web app is served by Vite with hot reload.
if (import.meta.main) await serve({ webDev: process.argv.includes('--dev') });
