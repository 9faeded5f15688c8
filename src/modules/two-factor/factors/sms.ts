// A texted code, bound to the challenge it was sent for (security.md §4): 5 minutes, 5 tries.
import type { AppContext } from '../../../context.ts';
import { hashesEqual } from '../../../crypto/tokens.ts';
import { consumeToken, findLatestLiveToken, reserveAttempt } from '../../one-time-tokens/service.ts';
import { MAX_CODE_ATTEMPTS, type SecondFactor } from '../factor.ts';
import * as store from '../store.ts';

/** Texted codes are kept as keyed hashes, bound to their user and purpose. */
export function smsCodeHash(ctx: AppContext, userId: string, purpose: string, code: string): string {
  return ctx.keyring.mac('one-time-code', `${userId}:${purpose}:${code}`);
}

const hasVerifiedPhone = async (db: AppContext['db'], userId: string): Promise<boolean> => Boolean((await store.findMethod(db, userId, 'sms'))?.verified_at);

export const smsFactor: SecondFactor = {
  method: 'sms',
  available: (ctx, userId) => hasVerifiedPhone(ctx.db, userId),
  async verify(ctx, trx, owner, code, { challengeTokenId }) {
    if (!(await hasVerifiedPhone(trx, owner.id))) return null;
    const now = ctx.clock.now();
    const sent = await findLatestLiveToken(trx, owner.id, 'sms_sign_in_code', now, MAX_CODE_ATTEMPTS);
    if (!sent || sent.payload.challenge !== challengeTokenId) return null;
    // Taken before the comparison, on the caller's transaction: the embedded database has one
    // connection, and the caller commits (not rolls back) when the code is wrong, so it is kept.
    if ((await reserveAttempt(trx, sent.id, MAX_CODE_ATTEMPTS, now)) === null) return null;
    if (!hashesEqual(sent.tokenHash, smsCodeHash(ctx, owner.id, 'sms_sign_in_code', code))) return null;
    return (await consumeToken(trx, sent.id, now)) ? { method: 'sms' } : null;
  },
};
