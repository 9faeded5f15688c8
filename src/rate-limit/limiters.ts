// Rate limits (security.md §6) with rate-limiter-flexible: counters in Redis when REDIS_URL is set, so
// they hold across instances; in process memory for a single embedded instance. Keys are keyed
// hashes, so no email or IP address is written to Redis.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { AppError, tooManyRequests } from '../errors.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { RateLimitSettings } from '../config.ts';

const HOUR = 3600;
const DAY = 86400;
/** Growing delays once the free attempts are spent: 30 s, 1 min, 2 min … capped at an hour (security.md §6). */
const FIRST_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = HOUR;
const UNCAPPED = 1_000_000;

/** Who is signing in, as far as the limits care. */
export interface SignInClient {
  /** The client's address bucket (addressBucket: an IPv4 address, or the /64 of an IPv6 one). */
  address: string;
  /** The id of a device this account has signed in from before (its device cookie checked), or null. */
  knownDevice: string | null;
}

/** One admitted password attempt, already counted as a failure in every budget it took from. */
export interface SignInAttempt {
  /** The password was right: the failure counts it belongs to are cleared, per-address points given back. */
  succeeded(): Promise<void>;
}

export interface SignInLimiter {
  /**
   * Takes one attempt from every budget that applies before the password is checked, each in one
   * atomic step, so no burst gets more passwords checked than the limits allow (security.md §6).
   * Throws 429 when one is spent, giving back what the others took.
   */
  admit(email: string, client: SignInClient): Promise<SignInAttempt>;
  /** A completed password reset: every failure count of the account is forgotten. */
  clearAccount(email: string): Promise<void>;
}

export interface AttemptLimiter {
  /** Counts one attempt; throws 429 once the budget for the window is spent. */
  consume(key: string): Promise<void>;
  /** Gives one counted attempt back (a password check that succeeded). */
  refund(key: string): Promise<void>;
}

export interface Limiters {
  signIn: SignInLimiter;
  registration: AttemptLimiter;
  passwordChange: AttemptLimiter;
  /**
   * Wrong passwords of a signed-in user (re-authentication, password change, email change, 2FA
   * disable), by user id: taken before the hash is checked, given back when it was right.
   */
  passwordCheck: AttemptLimiter;
  /** Candidate passwords rated for a signed-in user while they type one (the strength meter), by user id. */
  passwordStrength: AttemptLimiter;
  smsSend: AttemptLimiter;
  /** Every route that sends mail: per destination address and per client IP. */
  mailToAddress: AttemptLimiter;
  mailFromIp: AttemptLimiter;
}

export interface LimiterOptions {
  enabled: boolean;
  prefix: string;
  settings: RateLimitSettings;
  keyring: Keyring;
  redis: Redis | undefined;
}

/** A store failure must not open the gate: answer 503 rather than skip the limit. */
function storeDown(error: unknown): never {
  if (error instanceof RateLimiterRes) throw tooManyRequests(error.msBeforeNext);
  throw new AppError('SERVICE_UNAVAILABLE');
}

export function createLimiters(options: LimiterOptions): Limiters {
  if (!options.enabled) {
    const open = async (): Promise<void> => {};
    return {
      signIn: { admit: async () => ({ succeeded: open }), clearAccount: open },
      registration: { consume: open, refund: open },
      passwordChange: { consume: open, refund: open },
      passwordCheck: { consume: open, refund: open },
      passwordStrength: { consume: open, refund: open },
      smsSend: { consume: open, refund: open },
      mailToAddress: { consume: open, refund: open },
      mailFromIp: { consume: open, refund: open },
    };
  }

  const make = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const common = { keyPrefix: `${options.prefix}:rl:${name}`, points, duration };
    return options.redis ? new RateLimiterRedis({ ...common, storeClient: options.redis }) : new RateLimiterMemory(common);
  };
  const key = (value: string): string => options.keyring.mac('rate-limit-key', value);
  const { settings } = options;

  /** Gives back what a budget took when a later budget refuses the attempt. */
  type Refund = () => Promise<void>;
  /** One atomic consume; 429 when the budget is spent. */
  const take = async (limiter: RateLimiterAbstract, k: string): Promise<Refund> => {
    await limiter.consume(k).catch(storeDown);
    return async () => {
      await limiter.reward(k).catch(storeDown);
    };
  };

  /**
   * Free attempts, then one attempt per delay window, each window twice as long as the one before.
   * The attempt that opens a window is the one admitted, so concurrent attempts find it open and
   * wait: the delay is counted from an attempt, never from its (later) failure.
   */
  const growingDelay = (name: string) => {
    const freeAttempts = settings.signInFailuresBeforeDelay - 1;
    const free = freeAttempts > 0 ? make(`${name}-free`, freeAttempts, DAY) : null;
    const windowsOpened = make(`${name}-windows`, UNCAPPED, DAY);
    const window = make(`${name}-window`, 1, MAX_DELAY_SECONDS);
    return {
      async take(k: string): Promise<Refund> {
        if (free) {
          const admitted = await free.consume(k).then(() => true, (error: unknown) => (error instanceof RateLimiterRes ? false : storeDown(error)));
          if (admitted) return async () => {
            await free.reward(k).catch(storeDown);
          };
        }
        const opened = (await windowsOpened.get(k).catch(storeDown))?.consumedPoints ?? 0;
        const seconds = Math.min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** Math.min(opened, 20));
        await window.consume(k, 1, { customDuration: seconds }).catch(storeDown);
        await windowsOpened.penalty(k).catch(storeDown);
        return async () => {
          await Promise.all([window.delete(k), windowsOpened.reward(k)]).catch(storeDown);
        };
      },
      async clear(k: string): Promise<void> {
        await Promise.all([free?.delete(k), windowsOpened.delete(k), window.delete(k)]).catch(storeDown);
      },
    };
  };

  const byAccountAddress = growingDelay('signin-account-address');
  const byKnownDevice = growingDelay('signin-known-device');
  const knownDeviceFailures = make('signin-known-device-day', settings.signInFailuresPerKnownDevicePerDay, DAY);
  const addressFailures = make('signin-address', settings.signInFailuresPerIpPerHour, HOUR);
  const accountFailures = make('signin-account', settings.signInFailuresPerAccountPerDay, DAY);
  // A reset moves the account to a new generation, so every key of the old one is out of reach.
  // The generation key lives a day from the first reset, as long as the longest-lived count.
  const accountGenerations = make('signin-account-generation', UNCAPPED, DAY);

  const signIn: SignInLimiter = {
    async admit(email, client) {
      const generation = (await accountGenerations.get(key(email)).catch(storeDown))?.consumedPoints ?? 0;
      const account = key(JSON.stringify([email, generation]));
      const refunds: Refund[] = [];
      try {
        if (client.knownDevice !== null) {
          // A known device is not refused by counts strangers ran up; it has its own small budget.
          const device = key(JSON.stringify([email, generation, 'device', client.knownDevice]));
          refunds.push(await byKnownDevice.take(device));
          refunds.push(await take(knownDeviceFailures, device));
          return {
            async succeeded() {
              await Promise.all([byKnownDevice.clear(device), knownDeviceFailures.delete(device), accountFailures.delete(account)]).catch(storeDown);
            },
          };
        }
        const accountAddress = key(JSON.stringify([email, generation, client.address]));
        const address = key(client.address);
        refunds.push(await byAccountAddress.take(accountAddress));
        const giveBackAddress = await take(addressFailures, address);
        refunds.push(giveBackAddress);
        refunds.push(await take(accountFailures, account));
        return {
          async succeeded() {
            await Promise.all([byAccountAddress.clear(accountAddress), accountFailures.delete(account).catch(storeDown), giveBackAddress()]);
          },
        };
      } catch (error) {
        await Promise.all(refunds.map((refund) => refund()));
        throw error;
      }
    },
    async clearAccount(email) {
      await accountGenerations.penalty(key(email)).catch(storeDown);
    },
  };

  const attempts = (name: string, points: number, duration: number): AttemptLimiter => {
    const limiter = make(name, points, duration);
    return {
      async consume(k) {
        await limiter.consume(key(k)).catch(storeDown);
      },
      async refund(k) {
        await limiter.reward(key(k)).catch(storeDown);
      },
    };
  };

  return {
    signIn,
    registration: attempts('register-ip', settings.registrationsPerIpPerHour, HOUR),
    passwordChange: attempts('password-change-user', settings.passwordChangesPerUserPerHour, HOUR),
    passwordCheck: attempts('password-check-user', settings.passwordCheckFailuresPerUserPerDay, DAY),
    passwordStrength: attempts('password-strength-user', settings.passwordStrengthChecksPerUserPerHour, HOUR),
    smsSend: attempts('sms-send-user', settings.smsPerUserPerHour, HOUR),
    mailToAddress: attempts('mail-address', settings.mailsPerAddressPerHour, HOUR),
    mailFromIp: attempts('mail-ip', settings.mailsPerIpPerHour, HOUR),
  };
}
