// Rate limits (SPEC 4.5) with rate-limiter-flexible: counters in Redis when REDIS_URL is set, so
// they hold across instances; in process memory for a single embedded instance. Keys are keyed
// hashes, so no email or IP address is written to Redis.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { AppError, tooManyRequests } from '../errors.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { RateLimitSettings } from '../config.ts';

const HOUR = 3600;
const DAY = 86400;
/** Growing delays for one account from one IP: 30 s, 1 min, 2 min … capped at an hour. */
const FIRST_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = HOUR;
/** After repeated second-factor failures the account waits this long before trying again. */
const SECOND_FACTOR_LOCKOUT_SECONDS = 15 * 60;

export interface SignInLimiter {
  /** Throws 429 while this account or IP must wait. */
  check(email: string, ip: string): Promise<void>;
  recordFailure(email: string, ip: string): Promise<void>;
  /** NIST 800-63B: a successful sign-in clears the failure count. */
  recordSuccess(email: string, ip: string): Promise<void>;
}

/** Second-factor failures per account, across challenges (SPEC 4.5). */
export interface SecondFactorLimiter {
  /** Throws 429 while the account is locked out of second-factor attempts. */
  check(userId: string): Promise<void>;
  /** Returns true when this failure locked the account. */
  recordFailure(userId: string): Promise<boolean>;
  recordSuccess(userId: string): Promise<void>;
}

export interface AttemptLimiter {
  /** Counts one attempt; throws 429 once the budget for the window is spent. */
  consume(key: string): Promise<void>;
}

export interface Limiters {
  signIn: SignInLimiter;
  registration: AttemptLimiter;
  passwordChange: AttemptLimiter;
  /** Password checks of a signed-in user (reauthentication, email change, 2FA disable), by user id. */
  passwordCheck: AttemptLimiter;
  secondFactor: SecondFactorLimiter;
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
  throw new AppError('SERVICE_UNAVAILABLE', 503, 'The service is temporarily unavailable. Try again shortly.');
}

export function createLimiters(options: LimiterOptions): Limiters {
  if (!options.enabled) {
    const open = async (): Promise<void> => {};
    return {
      signIn: { check: open, recordFailure: open, recordSuccess: open },
      registration: { consume: open },
      passwordChange: { consume: open },
      passwordCheck: { consume: open },
      secondFactor: { check: open, recordFailure: async () => false, recordSuccess: open },
      smsSend: { consume: open },
      mailToAddress: { consume: open },
      mailFromIp: { consume: open },
    };
  }

  const make = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const common = { keyPrefix: `${options.prefix}:rl:${name}`, points, duration };
    return options.redis ? new RateLimiterRedis({ ...common, storeClient: options.redis }) : new RateLimiterMemory(common);
  };
  const key = (value: string): string => options.keyring.mac('rate-limit-key', value);
  const { settings } = options;

  const failuresByAccountIp = make('signin-fail-account-ip', 1_000_000, DAY);
  const delayByAccountIp = make('signin-delay-account-ip', 1, 1);
  const failuresByAccount = make('signin-fail-account', settings.signInFailuresPerAccountPerDay, DAY);
  const failuresByIp = make('signin-fail-ip', settings.signInFailuresPerIpPerHour, HOUR);

  const exhausted = (res: RateLimiterRes | null, points: number): boolean => res !== null && res.consumedPoints >= points;

  const signIn: SignInLimiter = {
    async check(email, ip) {
      const accountIp = key(`${email}|${ip}`);
      const [delay, account, fromIp] = await Promise.all([
        delayByAccountIp.get(accountIp),
        failuresByAccount.get(key(email)),
        failuresByIp.get(key(ip)),
      ]).catch(storeDown);
      if (delay && delay.consumedPoints > 1) throw tooManyRequests(delay.msBeforeNext);
      if (account && exhausted(account, settings.signInFailuresPerAccountPerDay)) throw tooManyRequests(account.msBeforeNext);
      if (fromIp && exhausted(fromIp, settings.signInFailuresPerIpPerHour)) throw tooManyRequests(fromIp.msBeforeNext);
    },
    async recordFailure(email, ip) {
      const accountIp = key(`${email}|${ip}`);
      // Reaching a limit here is expected: the next check() answers 429.
      const spend = (limiter: RateLimiterAbstract, k: string) =>
        limiter.consume(k).catch((e: unknown) => (e instanceof RateLimiterRes ? e : storeDown(e)));
      const [count] = await Promise.all([spend(failuresByAccountIp, accountIp), spend(failuresByAccount, key(email)), spend(failuresByIp, key(ip))]);
      const over = count.consumedPoints - settings.signInFailuresBeforeDelay;
      if (over >= 0) {
        const seconds = Math.min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** Math.min(over, 20));
        await delayByAccountIp.block(accountIp, seconds).catch(storeDown);
      }
    },
    async recordSuccess(email, ip) {
      const accountIp = key(`${email}|${ip}`);
      await Promise.all([failuresByAccountIp.delete(accountIp), delayByAccountIp.delete(accountIp), failuresByAccount.delete(key(email))]).catch(storeDown);
    },
  };

  const attempts = (name: string, points: number, duration: number): AttemptLimiter => {
    const limiter = make(name, points, duration);
    return {
      async consume(k) {
        await limiter.consume(key(k)).catch(storeDown);
      },
    };
  };

  const secondFactorFailures = make('2fa-fail-user', settings.secondFactorFailuresBeforeLockout, SECOND_FACTOR_LOCKOUT_SECONDS);
  const secondFactor: SecondFactorLimiter = {
    async check(userId) {
      const res = await secondFactorFailures.get(key(userId)).catch(storeDown);
      if (res && exhausted(res, settings.secondFactorFailuresBeforeLockout)) throw tooManyRequests(res.msBeforeNext);
    },
    async recordFailure(userId) {
      const res = await secondFactorFailures.consume(key(userId)).catch((e: unknown) => (e instanceof RateLimiterRes ? e : storeDown(e)));
      return res.consumedPoints === settings.secondFactorFailuresBeforeLockout;
    },
    async recordSuccess(userId) {
      await secondFactorFailures.delete(key(userId)).catch(storeDown);
    },
  };

  return {
    signIn,
    registration: attempts('register-ip', settings.registrationsPerIpPerHour, HOUR),
    passwordChange: attempts('password-change-user', settings.passwordChangesPerUserPerHour, HOUR),
    passwordCheck: attempts('password-check-user', settings.passwordChangesPerUserPerHour * 2, HOUR),
    secondFactor,
    smsSend: attempts('sms-send-user', settings.smsPerUserPerHour, HOUR),
    mailToAddress: attempts('mail-address', settings.mailsPerAddressPerHour, HOUR),
    mailFromIp: attempts('mail-ip', settings.mailsPerIpPerHour, HOUR),
  };
}
