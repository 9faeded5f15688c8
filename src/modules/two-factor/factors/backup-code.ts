// A backup code: single use, its use written as an event and mailed to the owner (security.md §4).
import { recordSecurityEvent } from '../../events/service.ts';
import { notices } from '../../../notify/notices.ts';
import { backupCodeHashes, normalizeBackupCode } from '../backup-codes.ts';
import type { SecondFactor } from '../factor.ts';
import * as store from '../store.ts';

export const backupCodeFactor: SecondFactor = {
  method: 'backup_code',
  available: async (ctx, userId) => (await store.countUnusedBackupCodes(ctx.db, userId)) > 0,
  async verify(ctx, trx, owner, code, { info }) {
    const normalized = normalizeBackupCode(code);
    if (!normalized || !(await store.useBackupCode(trx, owner.id, backupCodeHashes(ctx.keyring, owner.id, normalized), ctx.clock.now()))) return null;
    const backupCodesRemaining = await store.countUnusedBackupCodes(trx, owner.id);
    await recordSecurityEvent(ctx, trx, { type: 'backup_code_used', userId: owner.id, ip: info.ip, metadata: { remaining: backupCodesRemaining } });
    await notices.backupCodeUsed(ctx, trx, owner.email, backupCodesRemaining);
    return { method: 'backup_code', backupCodesRemaining };
  },
};
