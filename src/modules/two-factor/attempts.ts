// Second-factor attempts per account, across challenges, re-authentication, set-up and disable
// (security.md §6). An attempt is taken before the code is checked and given back only when the
// code is right, so however many codes arrive at once, no more are checked than the limit allows.
//
// Kept in the database, not in rate-limiter-flexible: one UPDATE … RETURNING per attempt is atomic
// on PostgreSQL and on PGlite, holds across instances without Redis, and reads the service's
// clock, so the growing lockouts and the daily window are tested by moving a test's clock.
import { tooManyRequests } from '../../errors.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import { recordSecurityEvent } from '../events/service.ts';
import type { SecondFactorMethod } from './factor.ts';
import * as store from './attempts-store.ts';

/** The first lockout; each further one (until a correct code) lasts twice as long, at most a day. */
export const FIRST_LOCKOUT_SECONDS = 15 * 60;
export const MAX_LOCKOUT_SECONDS = 24 * 3600;
const DAY_MS = 24 * 3600 * 1000;

export interface SecondFactorAttempt {
  /** Set when this attempt, if wrong, locks the account's second factor: until when, and why. */
  locks: { until: Date; reason: 'lockout' | 'daily_cap' } | null;
}

function limits(ctx: AppContext): store.AttemptLimits {
  const settings = ctx.config.rateLimits;
  return { perRound: settings.secondFactorFailuresBeforeLockout, perDay: settings.secondFactorFailuresPerDay, firstLockoutSeconds: FIRST_LOCKOUT_SECONDS, maxLockoutSeconds: MAX_LOCKOUT_SECONDS };
}

/** Takes one attempt for the account, or answers 429 with the wait while it is locked. */
export async function takeSecondFactorAttempt(ctx: AppContext, userId: string): Promise<SecondFactorAttempt> {
  const now = ctx.clock.now();
  const settings = limits(ctx);
  const { perDay } = settings;
  const row = await store.takeAttempt(ctx.db, userId, settings, now);
  if (!row) {
    ctx.metrics.rateLimited('secondFactor');
    const state = await store.findAttempts(ctx.db, userId);
    const dayEnds = state && state.day_failures >= perDay ? state.day_started_at.getTime() + DAY_MS : 0;
    throw tooManyRequests(Math.max(dayEnds, state?.locked_until?.getTime() ?? 0) - now.getTime());
  }
  if (row.day_failures >= perDay) return { locks: { until: new Date(Math.max(row.day_started_at.getTime() + DAY_MS, row.locked_until?.getTime() ?? 0)), reason: 'daily_cap' } };
  return { locks: row.locked_until ? { until: row.locked_until, reason: 'lockout' } : null };
}

/** A correct code: the lockouts start over (the day's wrong codes stay counted). */
export function clearSecondFactorFailures(ctx: AppContext, userId: string, method: SecondFactorMethod): Promise<void> {
  ctx.metrics.secondFactor(method, 'success');
  return store.clearAfterSuccess(ctx.db, userId);
}

/** Writes the events of a wrong code; its attempt was taken before the check (security.md §6). */
export async function recordSecondFactorFailure(ctx: AppContext, userId: string, method: SecondFactorMethod, attempt: SecondFactorAttempt, info: RequestInfo): Promise<void> {
  ctx.metrics.secondFactor(method, 'failure');
  await recordSecurityEvent(ctx, ctx.db, { type: 'two_factor_failed', userId, ip: info.ip, metadata: { method } });
  if (attempt.locks) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'two_factor_locked', userId, ip: info.ip, metadata: { until: attempt.locks.until.toISOString(), reason: attempt.locks.reason } });
  }
}
