// "Remember this device" (security.md §4: 30 days, revocable, listed with the sessions): after a second
// factor the browser gets a cookie with a 256-bit token whose hash is recorded on the server, so
// the device can be listed and revoked one by one, and all of them are forgotten when the password
// changes or two-factor is turned off. It skips the second factor only, never the password.
import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import { AppError } from '../../errors.ts';
import { generateToken, hashToken } from '../../crypto/tokens.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database } from '../../db/schema.ts';
import { recordSecurityEvent } from '../events/service.ts';
import type { ClientContext } from '../../http/client-context.ts';
import type { TrustedDeviceView as TrustedDeviceViewSchema } from '../../http/schemas.ts';
import type { Authenticated } from './service.ts';
import * as store from './trusted-devices-store.ts';

export const TRUSTED_DEVICE_DAYS = 30;

export async function trustDevice(ctx: AppContext, db: Kysely<Database>, userId: string, client: ClientContext, info: RequestInfo): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken();
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + TRUSTED_DEVICE_DAYS * 86400_000);
  const row = await store.insertTrustedDevice(db, { user_id: userId, token_hash: hashToken(token), device: client.device, location: client.location, created_at: now, expires_at: expiresAt });
  await recordSecurityEvent(ctx, db, { type: 'trusted_device_added', userId, ip: info.ip, metadata: { trustedDeviceId: row.id, device: client.device } });
  return { token, expiresAt };
}

/** True when the token names a live trusted device of this user; marks it used. */
export async function isTrustedDevice(ctx: AppContext, userId: string, token: string): Promise<boolean> {
  return store.touchTrustedDevice(ctx.db, userId, hashToken(token), ctx.clock.now());
}

export async function forgetTrustedDevices(ctx: AppContext, db: Kysely<Database>, userId: string): Promise<number> {
  return store.revokeTrustedDevices(db, userId, null, ctx.clock.now());
}

export type TrustedDeviceView = Static<typeof TrustedDeviceViewSchema>;

export async function listTrustedDevices(ctx: AppContext, userId: string): Promise<TrustedDeviceView[]> {
  const rows = await store.listLiveTrustedDevices(ctx.db, userId, ctx.clock.now());
  return rows.map((r) => ({ id: r.id, device: r.device, location: r.location, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null, expiresAt: r.expires_at.toISOString() }));
}

export async function revokeTrustedDevice(ctx: AppContext, auth: Authenticated, id: string, info: RequestInfo): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // Scoped to the caller: another user's device id is "not found" (ASVS 8.2.2).
    if ((await store.revokeTrustedDevices(trx, auth.user.id, id, ctx.clock.now())) === 0) throw new AppError('TRUSTED_DEVICE_NOT_FOUND');
    await recordSecurityEvent(ctx, trx, { type: 'trusted_device_revoked', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { trustedDeviceId: id } });
  });
}
