// The one interface every second factor implements (security.md §4): one file per factor under
// factors/, listed in check.ts. A new factor (a passkey, say) is a new file and one line there.
import type { Kysely } from 'kysely';
import type { AppContext, RequestInfo } from '../../context.ts';
import type { Database, TwoFactorType } from '../../db/schema.ts';

export type SecondFactorMethod = TwoFactorType | 'backup_code';

/** Wrong codes a challenge or a texted code takes before it dies (security.md §6). */
export const MAX_CODE_ATTEMPTS = 5;

export interface SecondFactorResult {
  method: SecondFactorMethod;
  /** Set when a backup code was used. */
  backupCodesRemaining?: number;
}

/** Who the code is checked for: the notice of a used backup code goes to this address. */
export interface FactorOwner {
  id: string;
  email: string;
}

export interface SecondFactor {
  readonly method: SecondFactorMethod;
  /** Whether a sign-in challenge offers it to this user. */
  available(ctx: AppContext, userId: string): Promise<boolean>;
  /**
   * Checks the code inside the caller's transaction and uses it up: each code works once
   * (security.md §4). Null when it is wrong; the caller counts the failure.
   */
  verify(ctx: AppContext, trx: Kysely<Database>, owner: FactorOwner, code: string, context: { challengeTokenId?: string | undefined; info: RequestInfo }): Promise<SecondFactorResult | null>;
}
