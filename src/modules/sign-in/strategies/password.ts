// The password way in (security.md §1, §5, §6): email and password → a verified identity, or the
// one generic refusal. Each way in is one file here that ends in a VerifiedIdentity.
import { AppError } from '../../../errors.ts';
import type { AppContext, RequestInfo } from '../../../context.ts';
import { normalizePassword } from '../../../crypto/passwords.ts';
import { addressBucket } from '../../../http/client-address.ts';
import type { KnownDeviceCookie } from '../../../http/known-device-cookie.ts';
import type { SignInAttempt } from '../../../rate-limit/limiters.ts';
import { requireValidEmail } from '../../accounts/email-address.ts';
import { recordSecurityEvent } from '../../events/service.ts';
import * as users from '../../users/store.ts';
import type { VerifiedIdentity } from '../identity.ts';
import { issueKnownDeviceCookie, knownDeviceOf } from '../known-device.ts';

// security.md §5: one answer for a wrong email, a wrong password and (when sign-in waits for it)
// an unconfirmed address: otherwise registering an address and signing in with one's own password
// would reveal whether the address already had an account.
function invalidCredentials(ctx: AppContext): AppError {
  const hint = ctx.config.requireEmailVerification ? ' If you just signed up, confirm your email address first.' : '';
  return new AppError('INVALID_CREDENTIALS', `Invalid email or password.${hint}`);
}

/** A refused password step: counted for the metrics and written as an event. */
async function recordFailure(ctx: AppContext, userId: string | null, info: RequestInfo, reason: string): Promise<void> {
  ctx.metrics.signIn('failure', 'password');
  await recordSecurityEvent(ctx, ctx.db, { type: 'sign_in_failed', userId, ip: info.ip, metadata: { reason } });
}

/** A right password's identity, with the known-device cookie it earns (security.md §6). */
export interface PasswordVerified {
  identity: VerifiedIdentity;
  deviceCookie: KnownDeviceCookie;
}

export async function verifyPassword(
  ctx: AppContext,
  input: { email: string; password: string },
  info: RequestInfo,
  knownDeviceCookie: string | undefined,
): Promise<PasswordVerified> {
  const email = requireValidEmail(input.email);
  const password = normalizePassword(input.password);
  const user = await users.findUserByEmail(ctx.db, email);
  const knownDevice = user ? knownDeviceOf(ctx.keyring, user.id, knownDeviceCookie, ctx.clock.now()) : null;
  // security.md §6: the attempt is counted as a failure before the hash is checked, and only a
  // right password clears it. An unknown account takes exactly the same steps (security.md §5).
  let attempt: SignInAttempt;
  try {
    attempt = await ctx.limiters.signIn.admit(email, { address: addressBucket(info.ip), knownDevice });
  } catch (error) {
    if (error instanceof AppError && error.status === 429) {
      ctx.metrics.signIn('rate_limited', 'password');
      await recordSecurityEvent(ctx, ctx.db, { type: 'sign_in_rate_limited', userId: user?.id ?? null, ip: info.ip });
    }
    throw error;
  }

  if (!user?.password_hash) {
    // security.md §5: spend the same hashing time for an unknown account.
    await ctx.hasher.verifyDummy(password);
    await recordFailure(ctx, user?.id ?? null, info, user ? 'no_password' : 'unknown_account');
    throw invalidCredentials(ctx);
  }
  if (!(await ctx.hasher.verify(user.password_hash, password))) {
    await recordFailure(ctx, user.id, info, 'invalid_password');
    throw invalidCredentials(ctx);
  }
  if (user.status !== 'active') {
    await recordFailure(ctx, user.id, info, 'account_disabled');
    throw new AppError('ACCOUNT_DISABLED');
  }
  if (ctx.config.requireEmailVerification && !user.email_verified_at) {
    await recordFailure(ctx, user.id, info, 'email_not_verified');
    throw invalidCredentials(ctx);
  }
  await attempt.succeeded();
  const deviceCookie = issueKnownDeviceCookie(ctx.keyring, user.id, knownDevice, ctx.clock.now());
  // security.md §1: a hash made with other settings (or the other algorithm) is upgraded now.
  const upgradedHash = ctx.hasher.needsRehash(user.password_hash) ? await ctx.hasher.hash(password) : null;
  return { identity: { user, upgradedHash }, deviceCookie };
}
