// Security notices that always go (security.md §8), queued inside the transaction of the action they
// report so a notice exists exactly when the action happened.
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/schema.ts';
import { enqueueMail } from '../outbox/mail-outbox.ts';
import { messages } from './messages.ts';

export const notices = {
  passwordChanged: (ctx: AppContext, db: Kysely<Database>, user: { email: string }) =>
    enqueueMail(ctx, db, 'password_changed', messages.passwordChanged(ctx.config, user.email, 'changed')),
  twoFactorChanged: (ctx: AppContext, db: Kysely<Database>, email: string, enabled: boolean, method: string) =>
    enqueueMail(ctx, db, enabled ? 'two_factor_enabled' : 'two_factor_disabled', messages.twoFactorChanged(ctx.config, email, enabled, method)),
  backupCodeUsed: (ctx: AppContext, db: Kysely<Database>, email: string, remaining: number) =>
    enqueueMail(ctx, db, 'backup_code_used', messages.backupCodeUsed(ctx.config, email, remaining)),
  newSignIn: (ctx: AppContext, db: Kysely<Database>, email: string, details: { device: string; location: string; at: Date }) =>
    enqueueMail(ctx, db, 'new_sign_in', messages.newSignIn(ctx.config, email, details)),
  /** security.md §8: both the previous and the new address are told. */
  emailChanged: async (ctx: AppContext, db: Kysely<Database>, addresses: { previous: string; current: string }) => {
    await enqueueMail(ctx, db, 'email_changed', messages.emailChanged(ctx.config, addresses.previous));
    await enqueueMail(ctx, db, 'email_changed_to_new', messages.emailChangedToNew(ctx.config, addresses.current));
  },
  registrationAttempt: (ctx: AppContext, db: Kysely<Database>, email: string) =>
    enqueueMail(ctx, db, 'registration_attempt', messages.registrationAttempt(ctx.config, email)),
};
