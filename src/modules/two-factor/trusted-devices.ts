// "Remember this device" (issue: 30 days, revocable, listed with the sessions): after a second
// factor the browser gets a cookie with a 256-bit token whose hash is recorded on the server, so
// the device can be listed and revoked one by one, and all of them are forgotten when the password
// changes or two-factor is turned off. It skips the second factor only, never the password.
import type { Kysely } from 'kysely';
import { AppError } from '../../errors.ts';
import { generateToken, hashToken } from '../../crypto/tokens.ts';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database } from '../../db/schema.ts';
import { recordSecurityEvent } from '../events/service.ts';
import type { ClientContext } from '../sessions/client-context.ts';
import type { Authenticated } from '../sessions/service.ts';

export const TRUSTED_DEVICE_DAYS = 30;

export async function trustDevice(ctx: AppContext, db: Kysely<Database>, userId: string, client: ClientContext, info: RequestInfo): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken();
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + TRUSTED_DEVICE_DAYS * 86400_000);
  const row = await db
    .insertInto('trusted_devices')
    .values({ user_id: userId, token_hash: hashToken(token), device: client.device, location: client.location, created_at: now, expires_at: expiresAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordSecurityEvent(ctx, db, { type: 'trusted_device_added', userId, ip: info.ip, metadata: { trustedDeviceId: row.id, device: client.device } });
  return { token, expiresAt };
}

/** True when the token names a live trusted device of this user; marks it used. */
export async function isTrustedDevice(ctx: AppContext, userId: string, token: string): Promise<boolean> {
  const now = ctx.clock.now();
  const result = await ctx.db
    .updateTable('trusted_devices')
    .set({ last_used_at: now })
    .where('token_hash', '=', hashToken(token))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function forgetTrustedDevices(ctx: AppContext, db: Kysely<Database>, userId: string): Promise<number> {
  const result = await db
    .updateTable('trusted_devices')
    .set({ revoked_at: ctx.clock.now() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface TrustedDeviceView {
  id: string;
  device: string;
  location: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
}

export async function listTrustedDevices(ctx: AppContext, userId: string): Promise<TrustedDeviceView[]> {
  const rows = await ctx.db
    .selectFrom('trusted_devices')
    .select(['id', 'device', 'location', 'created_at', 'last_used_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', ctx.clock.now())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, device: r.device, location: r.location, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null, expiresAt: r.expires_at.toISOString() }));
}

export async function revokeTrustedDevice(ctx: AppContext, auth: Authenticated, id: string, info: RequestInfo): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('trusted_devices')
      .set({ revoked_at: ctx.clock.now() })
      .where('id', '=', id)
      .where('user_id', '=', auth.user.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new AppError('TRUSTED_DEVICE_NOT_FOUND', 404, 'No trusted device with that id.');
    await recordSecurityEvent(ctx, trx, { type: 'trusted_device_revoked', userId: auth.user.id, sessionId: auth.session.id, ip: info.ip, metadata: { trustedDeviceId: id } });
  });
}
