// Builds a Gatehouse app for a test: a fresh database of the asked kind, a clock the test
// controls, log lines captured for inspection. The PostgreSQL variant also keeps its rate-limit
// counters in the real Redis (under a prefix of its own), the PGlite one in memory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import { defaultRateLimits, loadConfig, type RateLimitSettings } from '../../src/config.ts';
import { ManualClock } from './clock.ts';
import { createTestDatabase, redisUrl, type DatabaseKind, type TestDatabase } from './databases.ts';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hkdf-0123456789';
export const PUBLIC_ORIGIN = 'http://localhost:3000';

export interface TestApp extends BuiltApp {
  kind: DatabaseKind;
  database: TestDatabase;
  clock: ManualClock;
  /** Every log line written so far, raw. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  rateLimits?: Partial<RateLimitSettings>;
}

export async function createTestApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const config = loadConfig({
    GATEHOUSE_SECRET: TEST_SECRET,
    GATEHOUSE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gatehouse-test-')),
    PUBLIC_URL: PUBLIC_ORIGIN,
    LOG_LEVEL: 'info',
    RATE_LIMIT_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    ...(kind === 'postgres' ? { REDIS_URL: redisUrl } : {}),
    ...options.env,
  });
  // Many tests register several users from one address; the rate-limit tests set their own limits.
  config.rateLimits = { ...defaultRateLimits, registrationsPerIpPerHour: 1000, ...options.rateLimits };
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const clock = new ManualClock();
  const built = await buildApp({ config, clock, database: database.handle, logStream });
  await built.app.ready();
  return {
    ...built,
    kind,
    database,
    clock,
    logs,
    close: async () => {
      await built.app.close();
      await database.dispose();
    },
  };
}
