// Starts the server: reads config, builds the app, listens, and shuts down gracefully.
import { existsSync } from 'node:fs';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

export async function serve(): Promise<void> {
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
  const { app, ctx } = await buildApp({ config });
  const log = app.log;
  if (config.secretGenerated) log.warn(`No GATEHOUSE_SECRET set: generated one into ${config.dataDir}/gatehouse.secret. Back it up; set GATEHOUSE_SECRET in production.`);
  if (!config.rateLimitEnabled) log.warn('!!! RATE_LIMIT_ENABLED=false: sign-in, registration and password change are NOT rate limited. Use this for benchmarks only. !!!');
  if (config.databaseUrl && !config.redisUrl) log.warn('DATABASE_URL without REDIS_URL: rate-limit counters are kept per instance; set REDIS_URL when running more than one instance.');
  log.info({ database: ctx.database.kind, redis: Boolean(config.redisUrl), hasher: config.passwordHasher }, 'starting');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  log.info(`Gatehouse is serving ${config.publicUrl.origin}`);
}

if (import.meta.main) await serve();
