// The signed-in user's own password, for actions that take it in the request (security.md §1).
import type { AppContext } from '../../context.ts';
import { normalizePassword } from '../../crypto/passwords.ts';
import { findUserById } from './store.ts';

export async function verifyOwnPassword(ctx: AppContext, userId: string, password: string): Promise<boolean> {
  const user = await findUserById(ctx.db, userId);
  return Boolean(user?.password_hash) && (await ctx.hasher.verify(user!.password_hash!, normalizePassword(password)));
}
