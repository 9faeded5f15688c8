// The typed shape of every table. Column names are snake_case in SQL and here, so
// queries read like the SQL they produce.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export type Role = 'USER' | 'ADMIN' | 'SUPER_ADMIN';
export type UserStatus = 'active' | 'disabled';
export type Verification = 'password' | 'two_factor' | 'trusted_device' | 'oauth';
export type TwoFactorType = 'totp' | 'sms';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  email_verified_at: Date | null;
  password_hash: string | null;
  display_name: string | null;
  role: ColumnType<Role, Role | undefined, Role>;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  created_at: CreatedAt;
  updated_at: Date;
  last_login_at: Date | null;
  password_changed_at: Date | null;
  notify_new_sign_in: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  device: string;
  browser: string | null;
  os: string | null;
  user_agent: string | null;
  ip_hash: string | null;
  ip_masked: string | null;
  location: string | null;
  trust_score: number;
  verification: Verification;
  /** Idle timeout chosen at sign-in ("stay signed in" gets a longer one). */
  idle_timeout_seconds: number;
  persistent: boolean;
  created_at: CreatedAt;
  /** When the user last proved who they are on this session (sign-in or re-authentication). */
  authenticated_at: Date;
  last_active_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface SecurityEventsTable {
  id: Generated<string>;
  seq: ColumnType<string, never, never>;
  user_id: string | null;
  session_id: string | null;
  type: string;
  metadata: ColumnType<Record<string, unknown>, string, string>;
  ip_hash: string | null;
  created_at: CreatedAt;
}

export interface OneTimeTokensTable {
  id: Generated<string>;
  user_id: string;
  purpose: string;
  token_hash: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  attempts: Generated<number>;
  expires_at: Date;
  used_at: Date | null;
  created_at: CreatedAt;
}

export interface TwoFactorMethodsTable {
  id: Generated<string>;
  user_id: string;
  type: TwoFactorType;
  secret_encrypted: string | null;
  phone_e164: string | null;
  verified_at: Date | null;
  created_at: CreatedAt;
  last_used_step: ColumnType<string | null, number | null | undefined, number | null>;
}

export interface BackupCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: Date | null;
  created_at: CreatedAt;
}

export interface TrustedDevicesTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  device: string;
  location: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface SecondFactorAttemptsTable {
  user_id: string;
  failures: number;
  lockouts: number;
  locked_until: Date | null;
  day_started_at: Date;
  day_failures: number;
}

export interface MailQueueTable {
  id: Generated<string>;
  payload_encrypted: string;
  kind: string;
  attempts: Generated<number>;
  next_attempt_at: Date;
  locked_until: Date | null;
  last_error: string | null;
  sent_at: Date | null;
  failed_at: Date | null;
  created_at: CreatedAt;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  security_events: SecurityEventsTable;
  one_time_tokens: OneTimeTokensTable;
  two_factor_methods: TwoFactorMethodsTable;
  backup_codes: BackupCodesTable;
  trusted_devices: TrustedDevicesTable;
  mail_queue: MailQueueTable;
  second_factor_attempts: SecondFactorAttemptsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;
/** The session check's row, a session joined to its user (sessions/store.ts): what the session cache holds. */
export type SessionWithUser = Pick<
  Session,
  'token_hash' | 'device' | 'browser' | 'os' | 'ip_masked' | 'location' | 'trust_score' | 'verification' | 'idle_timeout_seconds' | 'authenticated_at' | 'last_active_at' | 'expires_at' | 'revoked_at'
> &
  Pick<User, 'email' | 'email_verified_at' | 'display_name' | 'role' | 'status' | 'last_login_at' | 'notify_new_sign_in'> & {
    session_id: string;
    session_created_at: Date;
    user_id: string;
    user_created_at: Date;
  };
