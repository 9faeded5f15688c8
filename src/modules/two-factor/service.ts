// Managing second factors (security.md §4): TOTP set-up with a QR code, backup codes, SMS,
// disable and regenerate. Checking a code is check.ts, one file per factor under factors/.
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import QRCode from 'qrcode';
import { AppError } from '../../errors.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database, TwoFactorType } from '../../db/schema.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { consumeToken, deleteOtherTokens, deleteToken, findLatestLiveToken, issueToken, reserveAttempt } from '../one-time-tokens/service.ts';
import { requireFreshAuthentication, revokeSessionsInTransaction, type Authenticated } from '../sessions/service.ts';
import { hashesEqual } from '../../crypto/tokens.ts';
import { clearSecondFactorFailures, recordSecondFactorFailure, takeSecondFactorAttempt } from './attempts.ts';
import { generateBackupCodes, hashBackupCode } from './backup-codes.ts';
import { checkSecondFactor } from './check.ts';
import { MAX_CODE_ATTEMPTS } from './factor.ts';
import { smsCodeHash } from './factors/sms.ts';
import { totpContext } from './factors/totp.ts';
import * as store from './store.ts';
import { generateTotpSecret, matchTotpStep, otpauthUrl } from './totp.ts';
import { forgetTrustedDevices } from '../sessions/trusted-devices.ts';
import { notices } from '../../notify/notices.ts';

/** SMS codes live 5 minutes (ASVS 6.5.5: ≤ 10) and die after 5 wrong tries. */
const SMS_CODE_TTL_SECONDS = 5 * 60;
/** When this few backup codes remain, responses say so. */
const LOW_BACKUP_CODES = 2;

/** `field` is the body property the code came in, so `fields` names what the client sent. */
const invalidCode = (field: 'code' | 'token' = 'code'): AppError => new AppError('INVALID_CONFIRMATION_CODE', undefined, { fields: { [field]: 'is not valid' } });

function sixDigitCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

async function backupCodesFor(ctx: AppContext, db: Kysely<Database>, userId: string): Promise<string[]> {
  const codes = generateBackupCodes();
  await store.replaceBackupCodes(db, userId, codes.map((code) => hashBackupCode(ctx.keyring, userId, code)), ctx.clock.now());
  return codes;
}

/** "+4479…" → "+44 ••• ••• 123": enough for the user to recognise, not to read back. */
function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)} ••• ••• ${phone.slice(-3)}`;
}

export interface TwoFactorStatus {
  enabled: boolean;
  methods: TwoFactorType[];
  pending: TwoFactorType[];
  backupCodesRemaining: number;
  phoneNumber: string | null;
}

export async function status(ctx: AppContext, userId: string): Promise<TwoFactorStatus> {
  const methods = await store.findMethods(ctx.db, userId);
  const verified = methods.filter((m) => m.verified_at !== null);
  const phone = verified.find((m) => m.type === 'sms')?.phone_e164;
  return {
    enabled: verified.length > 0,
    methods: verified.map((m) => m.type).sort(),
    pending: methods.filter((m) => m.verified_at === null).map((m) => m.type),
    backupCodesRemaining: verified.length > 0 ? await store.countUnusedBackupCodes(ctx.db, userId) : 0,
    phoneNumber: phone ? maskPhone(phone) : null,
  };
}

export const hasSecondFactor = (ctx: AppContext, userId: string): Promise<boolean> => store.hasVerifiedMethod(ctx.db, userId);

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeUrl: string;
  backupCodes: string[];
}

/** Starts (or restarts) TOTP set-up; nothing is required at sign-in until verifyTotpSetup. */
export async function enableTotp(ctx: AppContext, auth: Authenticated, info: RequestInfo): Promise<TotpSetup> {
  requireFreshAuthentication(ctx, auth); // ASVS 7.5.1
  const existing = await store.findMethod(ctx.db, auth.user.id, 'totp');
  if (existing?.verified_at) throw new AppError('TWO_FACTOR_ALREADY_ENABLED');
  const secret = generateTotpSecret();
  const url = otpauthUrl(ctx.config.productName, auth.user.email, secret);
  const hadFactor = await store.hasVerifiedMethod(ctx.db, auth.user.id);
  const backupCodes = await ctx.db.transaction().execute(async (trx) => {
    await store.upsertPendingMethod(trx, { userId: auth.user.id, type: 'totp', secretEncrypted: ctx.keyring.seal(secret, totpContext(auth.user.id)), phone: null, now: ctx.clock.now() });
    // A user who already has SMS keeps the backup codes they hold.
    const codes = hadFactor ? [] : await backupCodesFor(ctx, trx, auth.user.id);
    await recordSecurityEvent(ctx, trx, { type: 'two_factor_setup_started', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { method: 'totp' } });
    return codes;
  });
  return { secret, otpauthUrl: url, qrCodeUrl: await QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 2, width: 256 }), backupCodes };
}

/** Turns the factor on and signs out every other session (ASVS 7.4.3: a factor changed). */
async function activate(ctx: AppContext, trx: Kysely<Database>, auth: Authenticated, methodId: string, method: TwoFactorType, info: RequestInfo): Promise<number> {
  await store.markVerified(trx, methodId, ctx.clock.now());
  const revokedSessions = await revokeSessionsInTransaction(ctx, trx, auth.user.id, auth.session.id, 'two_factor_enabled');
  await recordSecurityEvent(ctx, trx, { type: 'two_factor_enabled', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { method, revokedSessions } });
  await notices.twoFactorChanged(ctx, trx, auth.user.email, true, method === 'totp' ? 'authenticator app' : 'text message');
  return revokedSessions;
}

export async function verifyTotpSetup(ctx: AppContext, auth: Authenticated, code: string, info: RequestInfo): Promise<void> {
  const method = await store.findMethod(ctx.db, auth.user.id, 'totp');
  if (!method?.secret_encrypted) throw new AppError('NO_PENDING_SETUP');
  if (method.verified_at) throw new AppError('TWO_FACTOR_ALREADY_ENABLED', 'The authenticator app is already set up.');
  const attempt = await takeSecondFactorAttempt(ctx, auth.user.id); // security.md §6: before the check
  const step = matchTotpStep({ secretBase32: ctx.keyring.open(method.secret_encrypted, totpContext(auth.user.id)), code, timestamp: ctx.clock.now().getTime() });
  if (step === null) {
    await recordSecondFactorFailure(ctx, auth.user.id, 'totp', attempt, info);
    throw invalidCode('token');
  }
  await ctx.db.transaction().execute(async (trx) => {
    // The code that proved the set-up cannot be replayed at the next sign-in (security.md §4).
    if (!(await store.consumeTotpStep(trx, method.id, step))) throw invalidCode('token');
    await activate(ctx, trx, auth, method.id, 'totp', info);
  });
  await clearSecondFactorFailures(ctx, auth.user.id, 'totp');
}

export const backupCodesRunningLow = (remaining: number | undefined): boolean => remaining !== undefined && remaining <= LOW_BACKUP_CODES;

/** The password and a TOTP or backup code; ends every other session (security.md §4). */
export async function disable(ctx: AppContext, auth: Authenticated, input: { password: string; token: string }, info: RequestInfo, verifyPassword: (password: string) => Promise<boolean>): Promise<void> {
  if (!(await store.hasVerifiedMethod(ctx.db, auth.user.id))) throw new AppError('TWO_FACTOR_NOT_ENABLED');
  // security.md §6: each check takes its attempt before it runs — the password from the signed-in
  // password-check budget (given back when right), the code from the account's second-factor budget.
  await ctx.limiters.passwordCheck.consume(auth.user.id);
  if (!(await verifyPassword(input.password))) {
    throw new AppError('INVALID_PASSWORD', undefined, { fields: { password: 'is not correct' } });
  }
  await ctx.limiters.passwordCheck.refund(auth.user.id);
  const attempt = await takeSecondFactorAttempt(ctx, auth.user.id);
  // A wrong code writes nothing, so the transaction commits either way and says which it was.
  const disabled = await ctx.db.transaction().execute(async (trx) => {
    const result = await checkSecondFactor(ctx, trx, auth.user, { code: input.token, allowed: ['totp', 'backup_code'] }, info);
    if (!result) return false;
    await store.deleteMethods(trx, auth.user.id);
    await store.deleteBackupCodes(trx, auth.user.id);
    await forgetTrustedDevices(ctx, trx, auth.user.id);
    const revokedSessions = await revokeSessionsInTransaction(ctx, trx, auth.user.id, auth.session.id, 'two_factor_disabled');
    await recordSecurityEvent(ctx, trx, { type: 'two_factor_disabled', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { revokedSessions, confirmedWith: result.method } });
    await notices.twoFactorChanged(ctx, trx, auth.user.email, false, result.method);
    return result.method;
  });
  if (!disabled) {
    await recordSecondFactorFailure(ctx, auth.user.id, 'totp', attempt, info);
    throw invalidCode('token');
  }
  await clearSecondFactorFailures(ctx, auth.user.id, disabled);
}

/** New backup codes replace every old one; needs a fresh authentication (security.md §3). */
export async function regenerateBackupCodes(ctx: AppContext, auth: Authenticated, info: RequestInfo): Promise<string[]> {
  requireFreshAuthentication(ctx, auth);
  if (!(await store.hasVerifiedMethod(ctx.db, auth.user.id))) throw new AppError('TWO_FACTOR_NOT_ENABLED');
  return ctx.db.transaction().execute(async (trx) => {
    const codes = await backupCodesFor(ctx, trx, auth.user.id);
    await recordSecurityEvent(ctx, trx, { type: 'backup_codes_regenerated', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip });
    return codes;
  });
}

async function sendCode(ctx: AppContext, userId: string, phone: string, purpose: 'sms_setup_code' | 'sms_sign_in_code', payload: Record<string, unknown>): Promise<void> {
  await ctx.limiters.smsSend.consume(userId); // security.md §6, ASVS 6.6.3
  const code = sixDigitCode();
  const now = ctx.clock.now();
  const id = await issueToken(ctx.db, { userId, purpose, tokenHash: smsCodeHash(ctx, userId, purpose, code), payload, expiresAt: new Date(now.getTime() + SMS_CODE_TTL_SECONDS * 1000), now });
  try {
    await ctx.sms.send({ to: phone, body: `${code} is your ${ctx.config.productName} verification code. It expires in 5 minutes. Do not share it.` });
  } catch {
    // The code never arrived: drop it, so the one the user may already hold keeps working.
    await deleteToken(ctx.db, id);
    throw new AppError('SMS_UNAVAILABLE');
  }
  // Delivered: a newer code replaces every older one.
  await deleteOtherTokens(ctx.db, userId, purpose, id);
}

/** Enrols a phone (E.164) and texts it a code; the method is active after verifySms. */
export async function enableSms(ctx: AppContext, auth: Authenticated, phoneNumber: string, info: RequestInfo): Promise<void> {
  requireFreshAuthentication(ctx, auth); // ASVS 7.5.1
  const parsed = parsePhoneNumberFromString(phoneNumber.trim());
  if (!phoneNumber.trim().startsWith('+') || !parsed?.isValid()) {
    throw new AppError('INVALID_PHONE_NUMBER', undefined, { fields: { phoneNumber: 'is not a valid international (E.164) number' } });
  }
  const existing = await store.findMethod(ctx.db, auth.user.id, 'sms');
  if (existing?.verified_at) throw new AppError('TWO_FACTOR_ALREADY_ENABLED', 'A phone is already set up. Disable two-factor authentication first to change it.');
  await store.upsertPendingMethod(ctx.db, { userId: auth.user.id, type: 'sms', secretEncrypted: null, phone: parsed.number, now: ctx.clock.now() });
  await sendCode(ctx, auth.user.id, parsed.number, 'sms_setup_code', {});
  await recordSecurityEvent(ctx, ctx.db, { type: 'two_factor_setup_started', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { method: 'sms' } });
}

/** Confirms the phone with the texted code; returns backup codes when this is the first factor. */
export async function verifySms(ctx: AppContext, auth: Authenticated, code: string, info: RequestInfo): Promise<string[]> {
  const method = await store.findMethod(ctx.db, auth.user.id, 'sms');
  if (!method || method.verified_at) throw new AppError('NO_PENDING_SETUP', 'Add a phone number first.');
  const now = ctx.clock.now();
  const sent = await findLatestLiveToken(ctx.db, auth.user.id, 'sms_setup_code', now, MAX_CODE_ATTEMPTS);
  // security.md §6: the texted code's attempt and the account's are both taken before the comparison.
  if (!sent || (await reserveAttempt(ctx.db, sent.id, MAX_CODE_ATTEMPTS, now)) === null) throw invalidCode();
  const attempt = await takeSecondFactorAttempt(ctx, auth.user.id);
  if (!hashesEqual(sent.tokenHash, smsCodeHash(ctx, auth.user.id, 'sms_setup_code', code.trim()))) {
    await recordSecondFactorFailure(ctx, auth.user.id, 'sms', attempt, info);
    throw invalidCode();
  }
  const hadFactor = await store.hasVerifiedMethod(ctx.db, auth.user.id);
  const codes = await ctx.db.transaction().execute(async (trx) => {
    if (!(await consumeToken(trx, sent.id, now))) throw invalidCode();
    await activate(ctx, trx, auth, method.id, 'sms', info);
    return hadFactor ? [] : backupCodesFor(ctx, trx, auth.user.id);
  });
  await clearSecondFactorFailures(ctx, auth.user.id, 'sms');
  return codes;
}

/** Texts a sign-in code for the given challenge to the user's verified phone. */
export async function sendSignInSms(ctx: AppContext, userId: string, challengeTokenId: string): Promise<void> {
  const method = await store.findMethod(ctx.db, userId, 'sms');
  if (!method?.verified_at || !method.phone_e164) throw new AppError('SMS_NOT_ENABLED');
  await sendCode(ctx, userId, method.phone_e164, 'sms_sign_in_code', { challenge: challengeTokenId });
}
