// Everything a service needs, built once in app.ts and passed down explicitly.
import type { Kysely } from 'kysely';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Keyring } from './crypto/keyring.ts';
import type { PasswordHasher } from './crypto/passwords.ts';
import type { DatabaseHandle } from './db/database.ts';
import type { Database, SessionWithUser } from './db/schema.ts';
import type { MailTransport } from './notify/mail.ts';
import type { SmsSender } from './notify/sms.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { Limiters } from './rate-limit/limiters.ts';
import type { SessionCache } from './session-cache/cache.ts';

export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Kysely<Database>;
  clock: Clock;
  hasher: PasswordHasher;
  keyring: Keyring;
  limiters: Limiters;
  /** What services count for GET /metrics (metrics/metrics.ts): named events, no HTTP. */
  metrics: Metrics;
  sms: SmsSender;
  mail: MailTransport;
  /** PostgreSQL with SESSION_CACHE on: recently checked sessions, invalidated by NOTIFY. */
  sessionCache: SessionCache<SessionWithUser> | null;
  /**
   * Whether the user has a verified second factor: answered by two-factor/, asked by the session
   * check, which sits below it, while REQUIRE_TWO_FACTOR holds a session to enrolment (security.md §4).
   */
  hasSecondFactor(userId: string): Promise<boolean>;
}

/** What a route hands a service about the caller's connection. */
export interface RequestInfo {
  ip: string;
  userAgent: string | undefined;
  /** Hashes of the session tokens the request carried, on sign-in routes: the sign-in ends them. */
  presentedSessionHashes?: string[];
}
