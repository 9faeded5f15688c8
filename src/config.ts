// Every environment variable Gatehouse reads, parsed and typed once (README lists them).
// Nothing else in the code reads process.env.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { normalizeAddress } from './http/client-address.ts';

export type PasswordHasherName = 'argon2id' | 'bcrypt';

export interface RateLimitSettings {
  /** Failed sign-ins for one account from one address (or one known device) before growing delays start (security.md §6). */
  signInFailuresBeforeDelay: number;
  /** Failed sign-ins for one account from unknown clients in 24 h (NIST 800-63B: at most 100). */
  signInFailuresPerAccountPerDay: number;
  /** Failed sign-ins from one address (IPv6: one /64) across all accounts in an hour; known devices are not counted. */
  signInFailuresPerIpPerHour: number;
  /** Failed sign-ins for one account from one of its known devices in 24 h. */
  signInFailuresPerKnownDevicePerDay: number;
  registrationsPerIpPerHour: number;
  passwordChangesPerUserPerHour: number;
  /** Wrong passwords of a signed-in user (re-authentication, password change, email change, 2FA disable) in 24 h. */
  passwordCheckFailuresPerUserPerDay: number;
  /** Candidate passwords a signed-in user has rated while typing a new one, in an hour (security.md §1). */
  passwordStrengthChecksPerUserPerHour: number;
  /** Wrong second-factor codes for one account, across challenges, before each lockout (security.md §6). */
  secondFactorFailuresBeforeLockout: number;
  /** Wrong second-factor codes for one account in 24 hours, after which it waits out the 24 hours. */
  secondFactorFailuresPerDay: number;
  smsPerUserPerHour: number;
  mailsPerAddressPerHour: number;
  mailsPerIpPerHour: number;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: URL;
  /** True when PUBLIC_URL is https: cookies get Secure and the __Host- prefix. */
  secureCookies: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** When set, GET /metrics answers only `Authorization: Bearer <this>`. */
  metricsToken: string | undefined;
  secret: Buffer;
  /** Earlier root secrets, still used to open what they sealed (key rotation). */
  previousSecrets: Buffer[];
  /** Secret was generated into the data dir on this start (embedded default only). */
  secretGenerated: boolean;
  passwordHasher: PasswordHasherName;
  /** Hashes computed at once; unset means one fewer than the machine's cores (at least 1). */
  hashConcurrency: number | undefined;
  passwordMinLength: number;
  sessionIdleTimeoutSeconds: number;
  sessionAbsoluteLifetimeSeconds: number;
  rememberedSessionIdleTimeoutSeconds: number;
  rememberedSessionAbsoluteLifetimeSeconds: number;
  rateLimitEnabled: boolean;
  /** Keep recently checked sessions in memory (PostgreSQL only; see sessions/cache.ts). */
  sessionCache: boolean;
  rateLimitPrefix: string;
  rateLimits: RateLimitSettings;
  /** Which proxies' X-Forwarded-For to believe: none, the nearest N hops, or these addresses/CIDRs (security.md §7). */
  trustProxy: TrustProxy;
  bodyLimitBytes: number;
  migrateOnStart: boolean;
  /** Processes serving requests (node:cluster); more than one needs PostgreSQL and Redis. */
  workers: number;
  logLevel: string;
  productName: string;
  /** smtp:// or smtps:// URL; unset writes mail as .eml files to the outbox in the data dir. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Sign-in waits for a verified email, and registration never reveals a taken address. */
  requireEmailVerification: boolean;
  /** Every account must have a second factor: until it enrols one, a session can only do that. */
  requireTwoFactor: boolean;
  mailPollIntervalMs: number;
  /** Set when SMS_PROVIDER=twilio; otherwise SMS go to the outbox in the data dir. */
  twilio: { accountSid: string; authToken: string; from: string; apiUrl: string } | undefined;
}

export class ConfigError extends Error {}

export type TrustProxy = false | { hops: number } | { proxies: string[] };

type Env = Record<string, string | undefined>;

export const defaultRateLimits: RateLimitSettings = {
  signInFailuresBeforeDelay: 5,
  signInFailuresPerAccountPerDay: 100,
  signInFailuresPerIpPerHour: 100,
  signInFailuresPerKnownDevicePerDay: 10,
  registrationsPerIpPerHour: 10,
  passwordChangesPerUserPerHour: 5,
  passwordCheckFailuresPerUserPerDay: 10,
  passwordStrengthChecksPerUserPerHour: 300,
  secondFactorFailuresBeforeLockout: 10,
  secondFactorFailuresPerDay: 30,
  smsPerUserPerHour: 5,
  mailsPerAddressPerHour: 5,
  mailsPerIpPerHour: 30,
};

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

/** Durations accept plain seconds or a number with s/m/h/d. */
function duration(env: Env, name: string, fallbackSeconds: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackSeconds;
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!match) throw new ConfigError(`${name} must be a duration like 3600, 30m, 12h or 7d (got "${raw}")`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < 60) throw new ConfigError(`${name} must be at least one minute`);
  return seconds;
}

/**
 * The root key. With the embedded database and no GATEHOUSE_SECRET, one is generated once into
 * the data dir (security.md §2); with a shared PostgreSQL every instance must be given the same secret.
 */
function loadSecret(env: Env, dataDir: string, databaseUrl: string | undefined): { secret: Buffer; generated: boolean } {
  const raw = env.GATEHOUSE_SECRET;
  if (raw) {
    const secret = Buffer.from(raw, 'utf8');
    if (secret.length < 32) throw new ConfigError('GATEHOUSE_SECRET must be at least 32 bytes');
    return { secret, generated: false };
  }
  if (databaseUrl) {
    throw new ConfigError('GATEHOUSE_SECRET is required with DATABASE_URL: every instance must share the same root key');
  }
  const file = path.join(dataDir, 'gatehouse.secret');
  if (existsSync(file)) return { secret: Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8'), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return { secret: Buffer.from(secret, 'utf8'), generated: true };
}

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** A proxy address or CIDR in canonical text, or null when it is neither. */
function proxyEntry(raw: string): string | null {
  if (PROXY_RANGE_NAMES.has(raw)) return raw;
  const [address = '', bits, ...rest] = raw.split('/');
  const canonical = normalizeAddress(address);
  if (canonical === null || rest.length > 0) return null;
  if (bits === undefined) return canonical;
  const max = canonical.includes(':') ? 128 : 32;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max ? `${canonical}/${Number(bits)}` : null;
}

/**
 * TRUST_PROXY: false (default); a hop count, `true` being one hop (the nearest proxy appends the
 * address it saw, everything left of it was written by the client); or a comma list of proxy
 * addresses and CIDRs (security.md §7).
 */
function trustProxy(env: Env): TrustProxy {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || /^(false|no|off|0)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return { hops: 1 };
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 16) throw new ConfigError(`TRUST_PROXY as a hop count must be from 0 to 16 (got "${raw}")`);
    return { hops };
  }
  const proxies = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const invalid = proxies.filter((entry) => proxyEntry(entry) === null);
  if (invalid.length > 0) {
    throw new ConfigError(`TRUST_PROXY must be false, a hop count, or a comma list of proxy addresses or CIDRs (not "${invalid.join('", "')}")`);
  }
  return { proxies: proxies.map((entry) => proxyEntry(entry)!) };
}

/**
 * The default sender, no-reply@ the PUBLIC_URL host: an IP host is written as an address literal
 * (RFC 5321 §4.1.3: no-reply@[127.0.0.1], no-reply@[IPv6:::1]), since a bare IP is no mail domain.
 */
function defaultMailFrom(productName: string, publicUrl: URL): string {
  const host = publicUrl.hostname;
  const domain = host.startsWith('[') ? `[IPv6:${host.slice(1, -1)}]` : normalizeAddress(host) !== null ? `[${host}]` : host;
  // A quoted display name, so a product name with a comma or a bracket stays one mailbox.
  return `"${productName.replace(/["\\]/g, '\\$&')}" <no-reply@${domain}>`;
}

function twilioSettings(env: Env): Config['twilio'] {
  const provider = env.SMS_PROVIDER || 'outbox';
  if (provider === 'outbox') return undefined;
  if (provider !== 'twilio') throw new ConfigError(`SMS_PROVIDER must be outbox or twilio (got "${provider}")`);
  const accountSid = env.TWILIO_ACCOUNT_SID;
  const authToken = env.TWILIO_AUTH_TOKEN;
  const from = env.TWILIO_FROM;
  if (!accountSid || !authToken || !from) throw new ConfigError('SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM');
  return { accountSid, authToken, from, apiUrl: env.TWILIO_API_URL || 'https://api.twilio.com' };
}

function smtpUrl(env: Env): string | undefined {
  const raw = env.SMTP_URL;
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL is not a URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  return raw;
}

function workerCount(env: Env, databaseUrl: string | undefined): number {
  const workers = integer(env, 'GATEHOUSE_WORKERS', 1, 1, 64);
  if (workers === 1) return 1;
  if (!databaseUrl) throw new ConfigError('GATEHOUSE_WORKERS above 1 needs DATABASE_URL: the embedded database belongs to one process');
  // Rate limits kept in each worker's memory would multiply by the number of workers.
  if (!env.REDIS_URL && boolean(env, 'RATE_LIMIT_ENABLED', true)) throw new ConfigError('GATEHOUSE_WORKERS above 1 needs REDIS_URL so rate limits hold across workers');
  return workers;
}

/**
 * Where a browser reaches a server listening on `host`: localhost for every interface or loopback,
 * else that address. It is the one address the start log prints, and the origin forms must come from.
 */
function defaultPublicUrl(host: string, port: number): string {
  if (['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host)) return `http://localhost:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Only where the database is, for commands that need nothing else (gatehouse migrate): no root
 * secret is asked for or generated, so migrations run before GATEHOUSE_SECRET is set up.
 */
export function loadDatabaseSettings(env: Env = process.env): Pick<Config, 'dataDir' | 'databaseUrl'> {
  return { dataDir: path.resolve(env.GATEHOUSE_DATA_DIR || './data'), databaseUrl: env.DATABASE_URL || undefined };
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const publicUrlRaw = env.PUBLIC_URL || defaultPublicUrl(host, port);
  let publicUrl: URL;
  try {
    publicUrl = new URL(publicUrlRaw);
  } catch {
    throw new ConfigError(`PUBLIC_URL is not a URL (got "${publicUrlRaw}")`);
  }
  if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
    throw new ConfigError('PUBLIC_URL must be http:// or https://');
  }
  const { dataDir, databaseUrl } = loadDatabaseSettings(env);
  const { secret, generated } = loadSecret(env, dataDir, databaseUrl);

  const hasher = env.PASSWORD_HASHER || 'argon2id';
  if (hasher !== 'argon2id' && hasher !== 'bcrypt') {
    throw new ConfigError(`PASSWORD_HASHER must be argon2id or bcrypt (got "${hasher}")`);
  }

  return {
    port,
    host,
    publicUrl,
    secureCookies: publicUrl.protocol === 'https:',
    dataDir,
    databaseUrl,
    redisUrl: env.REDIS_URL || undefined,
    metricsToken: env.METRICS_TOKEN || undefined,
    secret,
    previousSecrets: (env.GATEHOUSE_PREVIOUS_SECRETS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => Buffer.from(s, 'utf8')),
    secretGenerated: generated,
    passwordHasher: hasher,
    hashConcurrency: env.HASH_CONCURRENCY ? integer(env, 'HASH_CONCURRENCY', 1, 1, 256) : undefined,
    // security.md §1: configurable, never below 8.
    passwordMinLength: integer(env, 'PASSWORD_MIN_LENGTH', 12, 8, 64),
    // Defaults follow NIST 800-63B rev 4 for AAL2 (1 h inactivity, 24 h overall) unless the user
    // asks to stay signed in on this device.
    sessionIdleTimeoutSeconds: duration(env, 'SESSION_IDLE_TIMEOUT', 3600),
    sessionAbsoluteLifetimeSeconds: duration(env, 'SESSION_ABSOLUTE_LIFETIME', 86400),
    rememberedSessionIdleTimeoutSeconds: duration(env, 'REMEMBERED_SESSION_IDLE_TIMEOUT', 7 * 86400),
    rememberedSessionAbsoluteLifetimeSeconds: duration(env, 'REMEMBERED_SESSION_ABSOLUTE_LIFETIME', 30 * 86400),
    rateLimitEnabled: boolean(env, 'RATE_LIMIT_ENABLED', true),
    sessionCache: boolean(env, 'SESSION_CACHE', true),
    rateLimitPrefix: env.RATE_LIMIT_PREFIX || 'gatehouse',
    rateLimits: defaultRateLimits,
    trustProxy: trustProxy(env),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 16 * 1024, 1024, 10 * 1024 * 1024),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    workers: workerCount(env, databaseUrl),
    logLevel: env.LOG_LEVEL || 'info',
    productName: env.PRODUCT_NAME || 'Gatehouse',
    twilio: twilioSettings(env),
    smtpUrl: smtpUrl(env),
    mailFrom: env.MAIL_FROM || defaultMailFrom(env.PRODUCT_NAME || 'Gatehouse', publicUrl),
    requireEmailVerification: boolean(env, 'REQUIRE_EMAIL_VERIFICATION', false),
    requireTwoFactor: boolean(env, 'REQUIRE_TWO_FACTOR', false),
    mailPollIntervalMs: integer(env, 'MAIL_POLL_INTERVAL_MS', 1000, 50, 600_000),
  };
}
