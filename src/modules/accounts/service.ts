// Accounts: register, sign in, sign out, profile and password change (security.md §1, §3 and §5).
import { AppError } from '../../errors.ts';
import { addressBucket } from '../../http/client-address.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { describeClient } from '../../http/client-context.ts';
import { endPresentedSessions, renewSessionToken, revokeSessionsInTransaction, startSession, type Authenticated, type RenewedSessionToken, type StartedSession } from '../sessions/service.ts';
import { requireValidEmail } from './email-address.ts';
import { normalizePassword } from '../../crypto/passwords.ts';
import { passwordProblem } from './password-policy.ts';
import { forgetTrustedDevices } from '../sessions/trusted-devices.ts';
import { notices } from '../../notify/notices.ts';
import { queueVerificationMail } from './email-ownership.ts';
import * as store from '../users/store.ts';
import { toPublicUser, type PublicUser } from '../users/user-view.ts';

export type Registered =
  | { kind: 'signed_in'; user: PublicUser; started: StartedSession }
  /** REQUIRE_EMAIL_VERIFICATION: the same answer whether the address was new or taken. */
  | { kind: 'verification_sent' };

function cleanDisplayName(raw: string | null | undefined): string | null {
  // Half a surrogate pair would be silently replaced by the database driver.
  if (raw && !raw.isWellFormed()) throw new AppError('VALIDATION_FAILED', 'The display name contains broken characters.', { fields: { displayName: 'is not valid Unicode' } });
  const name = raw?.normalize('NFC').trim();
  return name ? name : null;
}

/**
 * Creates the account and mails a verification link. With REQUIRE_EMAIL_VERIFICATION the answer
 * is the same for a new and a taken address, and the owner of a taken one is mailed instead
 * (security.md §5); otherwise the new account is signed in at once and a taken address is a 409.
 */
export async function register(ctx: AppContext, input: { email: string; password: string; displayName?: string | null | undefined }, info: RequestInfo): Promise<Registered> {
  const email = requireValidEmail(input.email);
  await ctx.limiters.registration.consume(addressBucket(info.ip)); // security.md §7: an IPv6 /64 is one client
  // Registration mails the address (a link, or a notice to its owner), so it is limited per
  // address too; in a bucket of its own, so that it never changes how many reset or verification
  // mails an address has left (which would tell an account from no account).
  await ctx.limiters.mailToAddress.consume(`register:${email}`);
  const displayName = cleanDisplayName(input.displayName);
  const problem = await passwordProblem(input.password, { minLength: ctx.config.passwordMinLength, hasher: ctx.hasher.name, email, displayName, productName: ctx.config.productName });
  if (problem) throw new AppError('WEAK_PASSWORD', problem, { fields: { password: problem } });

  const passwordHash = await ctx.hasher.hash(normalizePassword(input.password));
  const client = await describeClient(ctx.keyring, info.ip, info.userAgent);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const user = await store.insertUser(trx, {
      email,
      password_hash: passwordHash,
      display_name: displayName,
      created_at: now,
      updated_at: now,
      last_login_at: ctx.config.requireEmailVerification ? null : now,
      password_changed_at: now,
    });
    if (ctx.config.requireEmailVerification) {
      if (user) {
        await queueVerificationMail(ctx, trx, user);
        await recordSecurityEvent(ctx, trx, { type: 'account_created', userId: user.id, ip: info.ip, metadata: { device: client.device, location: client.location } });
      } else {
        await notices.registrationAttempt(ctx, trx, email);
      }
      return { kind: 'verification_sent' };
    }
    if (!user) throw new AppError('EMAIL_TAKEN', undefined, { fields: { email: 'is already registered' } });
    await endPresentedSessions(ctx, trx, info);
    const started = await startSession(ctx, trx, { userId: user.id, client, verification: 'password', remember: false });
    await queueVerificationMail(ctx, trx, user);
    await recordSecurityEvent(ctx, trx, {
      type: 'account_created',
      userId: user.id,
      sessionId: started.session.id,
      ip: info.ip,
      metadata: { device: client.device, location: client.location },
    });
    return { kind: 'signed_in', user: toPublicUser(user), started };
  });
}

export async function getProfile(ctx: AppContext, auth: Authenticated): Promise<PublicUser> {
  const user = await store.findUserById(ctx.db, auth.user.id);
  if (!user) throw new AppError('UNAUTHENTICATED');
  return toPublicUser(user);
}

export async function updateProfile(ctx: AppContext, auth: Authenticated, input: { displayName?: string | null | undefined; notifyNewSignIn?: boolean | undefined }, info: RequestInfo): Promise<PublicUser> {
  const fields: string[] = [];
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    let user = await store.findUserById(trx, auth.user.id);
    if (input.displayName !== undefined) {
      user = await store.updateDisplayName(trx, auth.user.id, cleanDisplayName(input.displayName), now);
      fields.push('displayName');
    }
    if (input.notifyNewSignIn !== undefined) {
      user = await store.updateNotificationSettings(trx, auth.user.id, input.notifyNewSignIn, now);
      fields.push('notifyNewSignIn');
    }
    if (!user) throw new AppError('UNAUTHENTICATED');
    if (fields.length > 0) await recordSecurityEvent(ctx, trx, { type: 'profile_updated', userId: user.id, sessionId: auth.session.id, ip: info.ip, metadata: { fields } });
    return toPublicUser(user);
  });
}

/** security.md §1: verify the current password, apply the policy, rehash, end the other sessions. */
export async function changePassword(
  ctx: AppContext,
  auth: Authenticated,
  input: { currentPassword: string; newPassword: string },
  info: RequestInfo,
): Promise<{ revokedSessions: number; renewed: RenewedSessionToken }> {
  // security.md §6: both budgets are taken before the current password is checked; the shared
  // password-check one is given back when it was right.
  try {
    await ctx.limiters.passwordChange.consume(auth.user.id);
    await ctx.limiters.passwordCheck.consume(auth.user.id).catch(async (error: unknown) => {
      await ctx.limiters.passwordChange.refund(auth.user.id);
      throw error;
    });
  } catch (error) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'password_change_rate_limited', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip });
    throw error;
  }
  const user = await store.findUserById(ctx.db, auth.user.id);
  if (!user) throw new AppError('UNAUTHENTICATED');
  const current = normalizePassword(input.currentPassword);
  if (!user.password_hash || !(await ctx.hasher.verify(user.password_hash, current))) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'password_change_failed', userId: user.id, sessionId: auth.session.id, ip: info.ip, metadata: { reason: 'invalid_current_password' } });
    throw new AppError('INVALID_CURRENT_PASSWORD', undefined, { fields: { currentPassword: 'is not correct' } });
  }
  await ctx.limiters.passwordCheck.refund(user.id);
  const next = normalizePassword(input.newPassword);
  if (next === current) {
    throw new AppError('PASSWORD_UNCHANGED', undefined, { fields: { newPassword: 'is the same as the current password' } });
  }
  const problem = await passwordProblem(next, { minLength: ctx.config.passwordMinLength, hasher: ctx.hasher.name, email: user.email, displayName: user.display_name, productName: ctx.config.productName });
  if (problem) throw new AppError('WEAK_PASSWORD', problem, { fields: { newPassword: problem } });

  const newHash = await ctx.hasher.hash(next);
  return ctx.db.transaction().execute(async (trx) => {
    await store.updatePasswordHash(trx, user.id, newHash, ctx.clock.now(), true);
    // security.md §3: every other session ends; the one that made the change stays. Remembered
    // devices are forgotten, so the next sign-in elsewhere asks for the second factor again.
    const revokedSessions = await revokeSessionsInTransaction(ctx, trx, user.id, auth.session.id, 'password_changed');
    // security.md §3: and it goes on under a new token.
    const renewed = await renewSessionToken(ctx, trx, auth);
    await forgetTrustedDevices(ctx, trx, user.id);
    await notices.passwordChanged(ctx, trx, user);
    await recordSecurityEvent(ctx, trx, { type: 'password_changed', userId: user.id, sessionId: auth.session.id, ip: info.ip, metadata: { revokedSessions } });
    return { revokedSessions, renewed };
  });
}
