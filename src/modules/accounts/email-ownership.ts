// Email ownership flows (security.md §8): verification, password reset and change of address.
// Every link carries a 256-bit single-use token stored only as a hash; the page at the link posts
// it back, so a GET never consumes one.
import type { Kysely } from 'kysely';
import { AppError } from '../../errors.ts';
import { generateToken, hashToken } from '../../crypto/tokens.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database, User } from '../../db/schema.ts';
import type { MailJobs } from '../../jobs/mail-queue.ts';
import { enqueueMail, enqueueMailJob } from '../../outbox/mail-outbox.ts';
import { messages } from '../../notify/messages.ts';
import { notices } from '../../notify/notices.ts';
import { requireValidEmail } from './email-address.ts';
import { normalizePassword } from '../../crypto/passwords.ts';
import { passwordProblem } from './password-policy.ts';
import * as accountStore from '../users/store.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { consumeToken, findLiveToken, reissueToken, voidPendingTokens, type TokenPurpose } from '../one-time-tokens/service.ts';
import { requireFreshAuthentication, revokeSessionsInTransaction, type Authenticated } from '../sessions/service.ts';
import { confirmWithSecondFactor } from '../two-factor/check.ts';
import { hasSecondFactor } from '../two-factor/service.ts';
import { forgetTrustedDevices } from '../sessions/trusted-devices.ts';

const HOUR = 3600_000;
const VERIFICATION_TTL_MS = 24 * HOUR;
const RESET_TTL_MS = 30 * 60_000;
const EMAIL_CHANGE_TTL_MS = 24 * HOUR;
/** Link tokens are looked up by hash; attempts do not apply, but the API needs a bound. */
const LINK_ATTEMPTS = 1_000;
/** Queue jobs for requests by address: the lookup of the account happens inside them. */
const RESET_REQUEST_JOB = 'password_reset_request';
const VERIFICATION_REQUEST_JOB = 'email_verification_request';
/** What an email change voids: every link mailed before it, to either address. */
const LINKS_VOIDED_BY_EMAIL_CHANGE: readonly TokenPurpose[] = ['password_reset', 'email_verification', 'email_change'];

const invalidLink = (): AppError => new AppError('INVALID_TOKEN', undefined, { fields: { token: 'is invalid or expired' } });

/** security.md §6: mail-sending routes are limited per destination address and per client IP. */
async function limitMail(ctx: AppContext, address: string, info: RequestInfo): Promise<void> {
  await ctx.limiters.mailFromIp.consume(info.ip);
  await ctx.limiters.mailToAddress.consume(address);
}

async function issueLink(ctx: AppContext, db: Kysely<Database>, userId: string, purpose: TokenPurpose, ttlMs: number, payload: Record<string, unknown>): Promise<string> {
  const token = generateToken();
  const now = ctx.clock.now();
  // A newer link replaces every older one of its kind.
  await reissueToken(db, { userId, purpose, tokenHash: hashToken(token), payload, expiresAt: new Date(now.getTime() + ttlMs), now });
  return token;
}

async function liveLink(ctx: AppContext, purpose: TokenPurpose, token: string) {
  const found = await findLiveToken(ctx.db, purpose, hashToken(token), ctx.clock.now(), LINK_ATTEMPTS);
  if (!found) throw invalidLink();
  const user = await accountStore.findUserById(ctx.db, found.userId);
  if (!user) throw invalidLink();
  return { token: found, user };
}

/** Inside the caller's transaction: a verification link for the user's current address. */
export async function queueVerificationMail(ctx: AppContext, db: Kysely<Database>, user: { id: string; email: string }): Promise<void> {
  const token = await issueLink(ctx, db, user.id, 'email_verification', VERIFICATION_TTL_MS, { email: user.email });
  await enqueueMail(ctx, db, 'email_verification', messages.verifyEmail(ctx.config, user.email, token));
}

export async function requestVerificationForSession(ctx: AppContext, auth: Authenticated, info: RequestInfo): Promise<void> {
  if (auth.user.emailVerified) throw new AppError('ALREADY_VERIFIED');
  await limitMail(ctx, auth.user.email, info);
  await ctx.db.transaction().execute(async (trx) => {
    await queueVerificationMail(ctx, trx, { id: auth.user.id, email: auth.user.email });
    await recordSecurityEvent(ctx, trx, { type: 'email_verification_requested', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip });
  });
}

/** A request by address as the queue job holds it. */
interface AddressRequest {
  email: string;
  ip: string;
}

function addressRequest(input: Record<string, unknown>): AddressRequest {
  if (typeof input.email !== 'string' || typeof input.ip !== 'string') throw new Error('malformed address request job');
  return { email: input.email, ip: input.ip };
}

/**
 * security.md §5, §8: a request by address does the same work whether or not the address has an
 * account (check, limit, queue one sealed job row), so neither its answer nor what the process does
 * right after it tells them apart; the account lookup and the real mail happen in the queue job.
 */
async function queueAddressRequest(ctx: AppContext, job: string, rawEmail: string, info: RequestInfo): Promise<void> {
  const email = requireValidEmail(rawEmail);
  await limitMail(ctx, email, info);
  await enqueueMailJob(ctx, ctx.db, job, { email, ip: info.ip } satisfies AddressRequest);
}

/** Without a session (sign-in waits for verification): a link only if the account is unconfirmed. */
export function requestVerificationByAddress(ctx: AppContext, rawEmail: string, info: RequestInfo): Promise<void> {
  return queueAddressRequest(ctx, VERIFICATION_REQUEST_JOB, rawEmail, info);
}

async function mailVerificationLink(ctx: AppContext, db: Kysely<Database>, request: AddressRequest): Promise<void> {
  const user = await accountStore.findUserByEmail(db, request.email);
  if (!user || user.email_verified_at) return;
  await queueVerificationMail(ctx, db, user);
  await recordSecurityEvent(ctx, db, { type: 'email_verification_requested', userId: user.id, ip: request.ip });
}

export async function verifyEmail(ctx: AppContext, token: string, info: RequestInfo): Promise<void> {
  const { token: link, user } = await liveLink(ctx, 'email_verification', token);
  // A link for an address the account no longer has proves nothing.
  if (link.payload.email !== user.email) throw invalidLink();
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await consumeToken(trx, link.id, ctx.clock.now()))) throw invalidLink();
    await accountStore.markEmailVerified(trx, user.id, ctx.clock.now());
    await recordSecurityEvent(ctx, trx, { type: 'email_verified', userId: user.id, ip: info.ip });
  });
}

/** The same answer and the same work whether or not the account exists; the link goes from the job. */
export function forgotPassword(ctx: AppContext, rawEmail: string, info: RequestInfo): Promise<void> {
  return queueAddressRequest(ctx, RESET_REQUEST_JOB, rawEmail, info);
}

async function mailResetLink(ctx: AppContext, db: Kysely<Database>, request: AddressRequest): Promise<void> {
  const user = await accountStore.findUserByEmail(db, request.email);
  if (!user || user.status !== 'active') return;
  // The link dies if the password changes before it is used.
  const token = await issueLink(ctx, db, user.id, 'password_reset', RESET_TTL_MS, { passwordChangedAt: user.password_changed_at?.toISOString() ?? null });
  await enqueueMail(ctx, db, 'password_reset', messages.passwordReset(ctx.config, user.email, token));
  await recordSecurityEvent(ctx, db, { type: 'password_reset_requested', userId: user.id, ip: request.ip });
}

/** The queue worker runs these (app.ts hands them to it). */
export const addressRequestJobs: MailJobs = {
  [RESET_REQUEST_JOB]: (ctx, db, input) => mailResetLink(ctx, db, addressRequest(input)),
  [VERIFICATION_REQUEST_JOB]: (ctx, db, input) => mailVerificationLink(ctx, db, addressRequest(input)),
};

/** Sets the new password, ends every session and remembered device, and tells the owner. */
export async function resetPassword(ctx: AppContext, input: { token: string; newPassword: string }, info: RequestInfo): Promise<void> {
  const { token: link, user } = await liveLink(ctx, 'password_reset', input.token);
  if ((user.password_changed_at?.toISOString() ?? null) !== link.payload.passwordChangedAt || user.status !== 'active') throw invalidLink();
  const password = normalizePassword(input.newPassword);
  const problem = await passwordProblem(password, { minLength: ctx.config.passwordMinLength, hasher: ctx.hasher.name, email: user.email, displayName: user.display_name, productName: ctx.config.productName });
  if (problem) throw new AppError('WEAK_PASSWORD', problem, { fields: { newPassword: problem } });
  const passwordHash = await ctx.hasher.hash(password);
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    if (!(await consumeToken(trx, link.id, now))) throw invalidLink();
    await accountStore.updatePasswordHash(trx, user.id, passwordHash, now, true);
    // Following the link proved the address belongs to the user.
    if (!user.email_verified_at) await accountStore.markEmailVerified(trx, user.id, now);
    const revokedSessions = await revokeSessionsInTransaction(ctx, trx, user.id, null, 'password_reset');
    await forgetTrustedDevices(ctx, trx, user.id);
    await recordSecurityEvent(ctx, trx, { type: 'password_reset_completed', userId: user.id, ip: info.ip, metadata: { revokedSessions } });
    await enqueueMail(ctx, trx, 'password_changed', messages.passwordChanged(ctx.config, user.email, 'reset'));
  });
  await ctx.limiters.signIn.clearAccount(user.email); // security.md §6: the owner is back in
}

/** With a second factor on, a sensitive action also needs a TOTP or backup code (security.md §8). */
async function requireSecondFactorCode(ctx: AppContext, auth: Authenticated, code: string | undefined, info: RequestInfo): Promise<void> {
  if (!(await hasSecondFactor(ctx, auth.user.id))) return;
  if (!code) throw new AppError('CODE_REQUIRED', undefined, { fields: { code: 'is required' } });
  await confirmWithSecondFactor(ctx, auth.user, code, info);
}

/**
 * security.md §8: needs a fresh session, the password (attempt-limited, security.md §6) and, with a
 * second factor on, a code; the change happens only when the link sent to the new address is followed.
 */
export async function requestEmailChange(ctx: AppContext, auth: Authenticated, input: { newEmail: string; password: string; code?: string | undefined }, info: RequestInfo, verifyPassword: (password: string) => Promise<boolean>): Promise<void> {
  const newEmail = requireValidEmail(input.newEmail);
  if (newEmail === auth.user.email) throw new AppError('EMAIL_UNCHANGED', undefined, { fields: { newEmail: 'is your current address' } });
  requireFreshAuthentication(ctx, auth);
  // Spent before the hash, so guesses in flight together cannot exceed the budget (security.md §6).
  await ctx.limiters.passwordCheck.consume(auth.user.id);
  if (!(await verifyPassword(input.password))) {
    await recordSecurityEvent(ctx, ctx.db, { type: 'email_change_failed', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { reason: 'invalid_password' } });
    throw new AppError('INVALID_PASSWORD', undefined, { fields: { password: 'is not correct' } });
  }
  await ctx.limiters.passwordCheck.refund(auth.user.id);
  await requireSecondFactorCode(ctx, auth, input.code, info);
  await limitMail(ctx, newEmail, info);
  const taken = await accountStore.findUserByEmail(ctx.db, newEmail);
  await ctx.db.transaction().execute(async (trx) => {
    // A taken address gets no link, but the answer is the same (no enumeration).
    if (!taken) {
      const token = await issueLink(ctx, trx, auth.user.id, 'email_change', EMAIL_CHANGE_TTL_MS, { newEmail });
      await enqueueMail(ctx, trx, 'email_change', messages.emailChangeConfirm(ctx.config, newEmail, token));
    }
    await enqueueMail(ctx, trx, 'email_change_requested', messages.emailChangeRequested(ctx.config, auth.user.email));
    await recordSecurityEvent(ctx, trx, { type: 'email_change_requested', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip });
  });
}

/**
 * security.md §8: in one transaction the address changes, every pending reset, verification and
 * change link is voided, every other session and every remembered device of the user ends (the
 * session that confirms stays if it is the user's own), and both addresses are told.
 */
export async function confirmEmailChange(ctx: AppContext, token: string, info: RequestInfo, confirmingSession: Authenticated | null): Promise<void> {
  const { token: link, user } = await liveLink(ctx, 'email_change', token);
  const newEmail = link.payload.newEmail;
  if (typeof newEmail !== 'string') throw invalidLink();
  const keepSessionId = confirmingSession?.user.id === user.id ? confirmingSession.session.id : null;
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    if (!(await consumeToken(trx, link.id, now))) throw invalidLink();
    if (!(await accountStore.changeEmail(trx, user.id, newEmail, now))) {
      throw new AppError('EMAIL_TAKEN', 'That address now belongs to another account.');
    }
    const voidedLinks = await voidPendingTokens(trx, user.id, LINKS_VOIDED_BY_EMAIL_CHANGE);
    const revokedSessions = await revokeSessionsInTransaction(ctx, trx, user.id, keepSessionId, 'email_changed');
    await forgetTrustedDevices(ctx, trx, user.id);
    await recordSecurityEvent(ctx, trx, { type: 'email_changed', userId: user.id, sessionId: keepSessionId, ip: info.ip, metadata: { revokedSessions, voidedLinks } });
    await notices.emailChanged(ctx, trx, { previous: user.email, current: newEmail });
  });
}
