// Builds the Fastify app: shared plugins first, then one register() per module.
import path from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { createKeyring } from './crypto/keyring.ts';
import { createPasswordHasher } from './crypto/passwords.ts';
import { openDatabase, type DatabaseHandle } from './db/database.ts';
import type { SessionWithUser } from './db/schema.ts';
import { migrateToLatest } from './db/migrator.ts';
import { AppError, clientErrorHandler, frameworkErrorHandler, registerErrorHandling, unmetExpectationHandler } from './errors.ts';
import { registerValidation } from './http/validation.ts';
import { registerCsrfProtection } from './http/csrf.ts';
import { openApiOptions } from './http/openapi.ts';
import { trustProxyOption } from './http/trust-proxy.ts';
import { loggerOptions } from './logging.ts';
import { emailRoutes } from './modules/accounts/email-routes.ts';
import { addressRequestJobs } from './modules/accounts/email-ownership.ts';
import { accountRoutes } from './modules/accounts/routes.ts';
import { passwordStrengthRoutes } from './modules/password-strength/routes.ts';
import { eventRoutes } from './modules/accounts/event-routes.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { startSessionCache } from './session-cache/cache.ts';
import { sessionRoutes } from './modules/sessions/routes.ts';
import { signInRoutes } from './modules/sign-in/routes.ts';
import { twoFactorRoutes } from './modules/two-factor/routes.ts';
import { hasSecondFactor } from './modules/two-factor/service.ts';
import { webAppRoutes } from './modules/web/app-shell.ts';
import { webRoutes } from './modules/web/routes.ts';
import { createMailTransport } from './notify/mail.ts';
import { createSmsSender } from './notify/sms.ts';
import { housekeeping } from './modules/housekeeping/service.ts';
import { mailQueueStats, startMailWorker } from './jobs/mail-queue.ts';
import { createLimiters } from './rate-limit/limiters.ts';
import { countRefusals } from './metrics/limiter-refusals.ts';
import { createMetrics } from './metrics/metrics.ts';
import { metricsRoutes } from './metrics/routes.ts';

// About 1 KB each; a minute at most, so a row's idle clock is never far behind the database's.
const SESSION_CACHE_ENTRIES = 10_000;
const SESSION_CACHE_MAX_AGE_MS = 60_000;

export interface AppOptions {
  config: Config;
  clock?: Clock;
  /** Where log lines go (tests read them); stdout by default. */
  logStream?: DestinationStream;
  /** Serve the web app from Vite's dev server with hot reload (npm run dev) instead of dist/web. */
  webDev?: boolean;
  /** An already-open database (tests); otherwise opened from the config and closed with the app. */
  database?: DatabaseHandle;
}

export interface BuiltApp {
  app: FastifyInstance;
  ctx: AppContext;
}

async function connectRedis(url: string): Promise<Redis> {
  // Fail fast at start-up rather than queue commands forever behind a missing server.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 });
  redis.on('error', () => {}); // reconnects by itself; limiter calls answer 503 meanwhile
  await redis.connect();
  return redis;
}

export async function buildApp(options: AppOptions): Promise<BuiltApp> {
  const { config } = options;
  const database =
    options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') }));
  if (!options.database && config.migrateOnStart) await migrateToLatest(database.db);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;

  const keyring = createKeyring(config.secret, config.previousSecrets);
  // One registry per app: several apps in one process (tests) never share a metric.
  const metrics = createMetrics();
  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    clock: options.clock ?? systemClock,
    hasher: createPasswordHasher(config.passwordHasher, config.hashConcurrency),
    keyring,
    sms: createSmsSender(config),
    mail: createMailTransport(config),
    limiters: countRefusals(createLimiters({ enabled: config.rateLimitEnabled, prefix: config.rateLimitPrefix, settings: config.rateLimits, keyring, redis }), metrics),
    metrics,
    sessionCache: null,
    hasSecondFactor: (userId) => hasSecondFactor(ctx, userId),
  };

  const app = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOption(config.trustProxy),
    // Every refusal made below the routes answers in the error shape too (security.md §9): what
    // the router refuses, what Node's parser refuses (431, 408, 400), a missing Host, an unmet
    // Expect, and requests arriving while the server closes (the 503 below).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    http: { requireHostHeader: false },
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.on('checkExpectation', unmetExpectationHandler);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.decorateRequest('auth', null);
  app.decorateRequest('authSource', null);
  registerValidation(app);
  registerErrorHandling(app);
  // JSON only: a text/plain body (which a cross-site form can send) is a 415, not parsed.
  app.removeContentTypeParser('text/plain');
  await app.register(cookie);
  // Before the CSRF check, so a refused request still carries the security headers.
  await app.register(helmet, {
    hsts: config.secureCookies,
    contentSecurityPolicy: {
      directives: {
        // ASVS 3.4.3, 3.4.6: no <base> may redirect relative URLs, no page may frame ours.
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // No inline styles either: the pages and the web app load theirs from files (security.md §9).
        styleSrc: ["'self'"],
        // Only under https: on a plain-http PUBLIC_URL it would send the page's script to https.
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    xFrameOptions: { action: 'deny' },
  });
  // Latency by the route's pattern, never the raw URL: ids and tokens in paths would be labels without end.
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.addHook('onRequest', async (request) => {
    if (closing) throw new AppError('SERVICE_UNAVAILABLE', 'The service is restarting. Try again shortly.');
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) throw new AppError('BAD_REQUEST', 'The request has no Host header.');
  });
  registerCsrfProtection(app, config);
  await app.register(swagger, openApiOptions(config));

  if (config.sessionCache && database.connectDedicated) {
    const cache = await startSessionCache<SessionWithUser>({
      connect: database.connectDedicated,
      log: app.log,
      maxEntries: SESSION_CACHE_ENTRIES,
      maxAgeMs: SESSION_CACHE_MAX_AGE_MS,
      onLookup: (hit) => metrics.sessionCacheLookup(hit),
    });
    ctx.sessionCache = cache;
    // security.md §3 with a cache: a write answers only once every instance has applied it (cache.ts).
    app.addHook('onSend', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') await cache.barrier();
    });
  }

  // ASVS 14.3.2: answers about accounts and sessions are never cached.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  await app.register(healthRoutes(ctx, redis));
  await app.register(metricsRoutes(metrics, config.metricsToken));
  metrics.watchMailQueue(() => mailQueueStats(ctx));
  await app.register(accountRoutes(ctx));
  await app.register(passwordStrengthRoutes(ctx));
  await app.register(signInRoutes(ctx));
  await app.register(sessionRoutes(ctx));
  await app.register(eventRoutes(ctx));
  await app.register(twoFactorRoutes(ctx));
  await app.register(emailRoutes(ctx));
  await app.register(webRoutes(ctx));
  await app.register(webAppRoutes({ dev: options.webDev ?? false }));
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const stopMailWorker = startMailWorker(ctx, app.log, config.mailPollIntervalMs, addressRequestJobs);

  // Hourly clean-up; unref'd so it never keeps the process alive.
  const cleanup = setInterval(() => {
    housekeeping(ctx.db, ctx.clock.now()).then(
      (purged) => app.log.info({ purged }, 'housekeeping done'),
      (error: unknown) => app.log.warn({ err: error }, 'housekeeping failed'),
    );
  }, 3600_000);
  cleanup.unref();

  app.addHook('onClose', async () => {
    clearInterval(cleanup);
    await ctx.sessionCache?.close();
    await stopMailWorker();
    ctx.mail.close();
    await redis?.quit().catch(() => redis.disconnect());
    if (!options.database) await database.close();
  });

  return { app: app as unknown as FastifyInstance, ctx };
}
