// Which second factors exist and the check of a code against them (security.md §4, §6): sign-in,
// re-authentication, email change and disable all go through checkSecondFactor.
import type { Kysely } from 'kysely';
import { AppError } from '../../errors.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database, TwoFactorType } from '../../db/schema.ts';
import { clearSecondFactorFailures, recordSecondFactorFailure, takeSecondFactorAttempt } from './attempts.ts';
import { normalizeBackupCode } from './backup-codes.ts';
import type { FactorOwner, SecondFactor, SecondFactorMethod, SecondFactorResult } from './factor.ts';
import { backupCodeFactor } from './factors/backup-code.ts';
import { smsFactor } from './factors/sms.ts';
import { totpFactor } from './factors/totp.ts';
import * as store from './store.ts';

/** Every second factor, in the order a challenge lists them. */
const SECOND_FACTORS: readonly SecondFactor[] = [smsFactor, totpFactor, backupCodeFactor];

/** The methods a sign-in challenge offers this user. */
export async function signInMethods(ctx: AppContext, userId: string): Promise<SecondFactorMethod[]> {
  const offered = await Promise.all(SECOND_FACTORS.map(async (factor) => ((await factor.available(ctx, userId)) ? factor.method : null)));
  return offered.filter((method) => method !== null);
}

function guessMethod(code: string, verified: TwoFactorType[]): SecondFactorMethod | null {
  if (/^\d{6}$/.test(code)) return verified.includes('totp') ? 'totp' : verified.includes('sms') ? 'sms' : null;
  return normalizeBackupCode(code) ? 'backup_code' : null;
}

/**
 * Checks a code of one of the allowed methods (the one named, or the one its shape suggests)
 * inside the caller's transaction. Returns null for a wrong code; the caller counts the failure.
 */
export async function checkSecondFactor(
  ctx: AppContext,
  trx: Kysely<Database>,
  owner: FactorOwner,
  input: { code: string; method?: SecondFactorMethod | undefined; allowed: SecondFactorMethod[]; challengeTokenId?: string },
  info: RequestInfo,
): Promise<SecondFactorResult | null> {
  const verified = (await store.findMethods(trx, owner.id)).filter((m) => m.verified_at !== null).map((m) => m.type);
  const code = input.code.trim();
  const method = input.method ?? guessMethod(code, verified);
  const factor = SECOND_FACTORS.find((f) => f.method === method);
  if (!factor || !input.allowed.includes(factor.method)) return null;
  return factor.verify(ctx, trx, owner, code, { challengeTokenId: input.challengeTokenId, info });
}

/**
 * A TOTP or backup code confirming a signed-in action (re-authentication, email change): the
 * account's attempt is taken before the check (security.md §6), a wrong code is written as an
 * event and answered 400, a right one clears the account's failures.
 */
export async function confirmWithSecondFactor(ctx: AppContext, owner: FactorOwner, code: string, info: RequestInfo): Promise<SecondFactorResult> {
  const attempt = await takeSecondFactorAttempt(ctx, owner.id);
  const factor = await ctx.db.transaction().execute((trx) => checkSecondFactor(ctx, trx, owner, { code, allowed: ['totp', 'backup_code'] }, info));
  if (!factor) {
    await recordSecondFactorFailure(ctx, owner.id, 'totp', attempt, info);
    throw new AppError('INVALID_CONFIRMATION_CODE', undefined, { fields: { code: 'is not valid' } });
  }
  await clearSecondFactorFailures(ctx, owner.id, factor.method);
  return factor;
}
