// Rates a password a signed-in user is choosing, while they type it, by the same policy that
// password change applies (security.md §1), so the meter shows the reason the change would give.
// The candidate is only rated: it is never logged, stored or compared with anything of the account.
import type { AppContext } from '../../context.ts';
import { normalizePassword } from '../../crypto/passwords.ts';
import { passwordProblem } from '../accounts/password-policy.ts';
import { estimateStrength } from '../accounts/password-strength.ts';
import type { Authenticated } from '../sessions/service.ts';

/** The policy's verdict, with zxcvbn's score (0 to 4) placed on its side of the line the policy draws. */
export interface StrengthVerdict {
  acceptable: boolean;
  score: number;
  /** Why a password change would refuse it, in the words it would use. */
  reason?: string;
  /** How to make it stronger, when the reason does not already say it. */
  hint?: string;
}

/** The policy accepts from this score up (password-policy.ts), so the meter never shows an accepted password as weak. */
const ACCEPTED_SCORE = 3;

export async function rateCandidatePassword(ctx: AppContext, auth: Authenticated, candidate: string): Promise<StrengthVerdict> {
  // security.md §6: a generous budget per user; the meter asks once per pause in typing.
  await ctx.limiters.passwordStrength.consume(auth.user.id);
  const { email, displayName } = auth.user;
  const reason = await passwordProblem(candidate, { minLength: ctx.config.passwordMinLength, hasher: ctx.hasher.name, email, displayName, productName: ctx.config.productName });
  // Broken characters are the one refusal zxcvbn cannot rate.
  const estimate = candidate.isWellFormed() ? await estimateStrength(normalizePassword(candidate), [ctx.config.productName, email, ...(displayName ? [displayName] : [])]) : null;
  const raw = estimate?.score ?? 0;
  const score = reason === null ? Math.max(raw, ACCEPTED_SCORE) : Math.min(raw, ACCEPTED_SCORE - 1);
  const suggestion = estimate?.suggestion ?? null;
  const hint = suggestion && !reason?.includes(suggestion) ? suggestion : undefined;
  return { acceptable: reason === null, score, ...(reason ? { reason } : {}), ...(hint ? { hint } : {}) };
}
