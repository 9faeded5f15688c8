// Re-authentication (security.md §3, §4): the factors of a sign-in run again on a signed-in
// session — the password and, with a second factor on, a code — and make it fresh under a new token.
import { AppError } from '../../errors.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import { normalizePassword } from '../../crypto/passwords.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { markSessionAuthenticated, type Authenticated, type RenewedSessionToken } from '../sessions/service.ts';
import { confirmWithSecondFactor } from '../two-factor/check.ts';
import type { SecondFactorMethod } from '../two-factor/factor.ts';
import { hasSecondFactor } from '../two-factor/service.ts';
import * as users from '../users/store.ts';

/** The password (and, with a second factor on, a code) makes this session fresh for 10 minutes. */
export async function reauthenticate(ctx: AppContext, auth: Authenticated, input: { password: string; code?: string | undefined }, info: RequestInfo): Promise<RenewedSessionToken> {
  // security.md §6: the attempt is taken before the hash is checked and given back when it was right.
  await ctx.limiters.passwordCheck.consume(auth.user.id);
  const user = await users.findUserById(ctx.db, auth.user.id);
  if (!user?.password_hash || !(await ctx.hasher.verify(user.password_hash, normalizePassword(input.password)))) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'reauthentication_failed', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { reason: 'invalid_password' } });
    throw new AppError('INVALID_PASSWORD', undefined, { fields: { password: 'is not correct' } });
  }
  await ctx.limiters.passwordCheck.refund(auth.user.id);
  let method: SecondFactorMethod | null = null;
  if (await hasSecondFactor(ctx, user.id)) {
    if (!input.code) throw new AppError('CODE_REQUIRED', undefined, { fields: { code: 'is required' } });
    method = (await confirmWithSecondFactor(ctx, user, input.code, info)).method;
  }
  // security.md §3: fresh again, under a new token.
  const renewed = await markSessionAuthenticated(ctx, auth);
  await recordSecurityEvent(ctx, ctx.db, { type: 'reauthenticated', userId: user.id, sessionId: auth.session.id, ip: info.ip, metadata: method ? { method } : {} });
  return renewed;
}
