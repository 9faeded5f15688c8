// An authenticator app's code: ±1 step of drift, each time-step accepted once (security.md §4).
import type { AppContext } from '../../../context.ts';
import type { SecondFactor } from '../factor.ts';
import * as store from '../store.ts';
import { matchTotpStep } from '../totp.ts';

/** The sealing context of a user's TOTP secret. */
export function totpContext(userId: string): string {
  return `two_factor_methods:totp:${userId}`;
}

async function verifiedTotp(db: AppContext['db'], userId: string) {
  const method = await store.findMethod(db, userId, 'totp');
  return method?.verified_at ? method : null;
}

export const totpFactor: SecondFactor = {
  method: 'totp',
  available: async (ctx, userId) => (await verifiedTotp(ctx.db, userId)) !== null,
  async verify(ctx, trx, owner, code) {
    const totp = await verifiedTotp(trx, owner.id);
    if (!totp?.secret_encrypted) return null;
    const step = matchTotpStep({ secretBase32: ctx.keyring.open(totp.secret_encrypted, totpContext(owner.id)), code, timestamp: ctx.clock.now().getTime() });
    return step !== null && (await store.consumeTotpStep(trx, totp.id, step)) ? { method: 'totp' } : null;
  },
};
