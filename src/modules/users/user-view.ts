// The user as clients see it: never the password hash or internal columns.
import type { Static } from 'typebox';
import type { Role, UserStatus } from '../../db/schema.ts';
import type { UserView } from '../../http/schemas.ts';

export interface UserColumns {
  id: string;
  email: string;
  email_verified_at: Date | null;
  display_name: string | null;
  role: Role;
  status: UserStatus;
  created_at: Date;
  last_login_at: Date | null;
  notify_new_sign_in: boolean;
}

export type PublicUser = Static<typeof UserView>;

export function toPublicUser(row: UserColumns): PublicUser {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    emailVerifiedAt: row.email_verified_at?.toISOString() ?? null,
    displayName: row.display_name,
    role: row.role,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    lastLoginAt: row.last_login_at?.toISOString() ?? null,
    notifyNewSignIn: row.notify_new_sign_in,
  };
}
