// What an operator does from the command line (gatehouse user …): make an account with a role,
// change a role, disable an account. The same password policy as registration applies (security.md §1),
// the last active SUPER_ADMIN is never demoted or disabled, and each action writes a security event naming the CLI as the actor, in the action's transaction.
import type { AppContext } from '../../context.ts';
import { normalizePassword } from '../../crypto/passwords.ts';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../../db/schema.ts';
import { recordSecurityEvent } from '../events/service.ts';
import { revokeSessionsInTransaction } from '../sessions/service.ts';
import * as store from '../users/store.ts';
import { requireValidEmail } from './email-address.ts';
import { passwordProblem } from './password-policy.ts';

export const ROLES: readonly Role[] = ['USER', 'ADMIN', 'SUPER_ADMIN'];
const ACTOR = 'cli';

/** A refusal the operator reads as it is (no such account, weak password…). */
export class OperatorRefusal extends Error {}

function validEmail(raw: string): string {
  try {
    return requireValidEmail(raw);
  } catch {
    throw new OperatorRefusal(`"${raw}" is not an email address`);
  }
}

async function existingUser(ctx: AppContext, rawEmail: string) {
  const user = await store.findUserByEmail(ctx.db, validEmail(rawEmail));
  if (!user) throw new OperatorRefusal(`no account with the email ${rawEmail}`);
  return user;
}

export async function createUserAsOperator(ctx: AppContext, input: { email: string; password: string; role: Role; displayName?: string | undefined }): Promise<{ id: string }> {
  const email = validEmail(input.email);
  const displayName = input.displayName?.trim() || null;
  const problem = await passwordProblem(input.password, { minLength: ctx.config.passwordMinLength, hasher: ctx.hasher.name, email, displayName, productName: ctx.config.productName });
  if (problem) throw new OperatorRefusal(`password refused: ${problem}`);
  const passwordHash = await ctx.hasher.hash(normalizePassword(input.password));
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    // The operator typed the address for this person, so it counts as confirmed.
    const user = await store.insertUser(trx, { email, password_hash: passwordHash, display_name: displayName, role: input.role, email_verified_at: now, created_at: now, updated_at: now, password_changed_at: now });
    if (!user) throw new OperatorRefusal(`an account with the email ${email} already exists`);
    await recordSecurityEvent(ctx, trx, { type: 'account_created', userId: user.id, metadata: { actor: ACTOR, role: input.role } });
    return { id: user.id };
  });
}

/** Nobody may demote or disable the last active SUPER_ADMIN: the service would have no one left to run it. */
async function keepOneSuperAdmin(trx: Kysely<Database>, userId: string): Promise<void> {
  const superAdmins = await store.lockActiveSuperAdmins(trx);
  if (superAdmins.length === 1 && superAdmins[0] === userId) throw new OperatorRefusal('this is the last active SUPER_ADMIN; make another one first');
}

export async function setRoleAsOperator(ctx: AppContext, input: { email: string; role: Role }): Promise<{ previous: Role }> {
  const user = await existingUser(ctx, input.email);
  await ctx.db.transaction().execute(async (trx) => {
    if (input.role !== 'SUPER_ADMIN') await keepOneSuperAdmin(trx, user.id);
    await store.updateRole(trx, user.id, input.role, ctx.clock.now());
    await recordSecurityEvent(ctx, trx, { type: 'role_changed', userId: user.id, metadata: { actor: ACTOR, from: user.role, to: input.role } });
  });
  return { previous: user.role };
}

/** Disables the account and ends every session it has, on every instance (security.md §3). */
export async function disableUserAsOperator(ctx: AppContext, input: { email: string }): Promise<{ sessionsEnded: number }> {
  const user = await existingUser(ctx, input.email);
  return ctx.db.transaction().execute(async (trx) => {
    await keepOneSuperAdmin(trx, user.id);
    await store.updateStatus(trx, user.id, 'disabled', ctx.clock.now());
    const sessionsEnded = await revokeSessionsInTransaction(ctx, trx, user.id, null, 'account_disabled');
    await recordSecurityEvent(ctx, trx, { type: 'account_disabled', userId: user.id, metadata: { actor: ACTOR, sessionsEnded } });
    return { sessionsEnded };
  });
}
