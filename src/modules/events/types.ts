// The security-event types. Metadata never holds PII: no email, raw IP, token, code or password
// (security.md §10).
export const securityEventTypes = [
  'account_created',
  'sign_in_succeeded',
  'sign_in_failed',
  'sign_in_rate_limited',
  'sign_out',
  'password_changed',
  'password_change_failed',
  'password_change_rate_limited',
  'session_revoked',
  'other_sessions_revoked',
  'profile_updated',
  'sign_in_challenged',
  'reauthenticated',
  'reauthentication_failed',
  'two_factor_setup_started',
  'two_factor_enabled',
  'two_factor_disabled',
  'two_factor_failed',
  'two_factor_locked',
  'backup_code_used',
  'backup_codes_regenerated',
  'trusted_device_added',
  'trusted_device_revoked',
  'email_verification_requested',
  'email_verified',
  'password_reset_requested',
  'password_reset_completed',
  'email_change_requested',
  'email_change_failed',
  'email_changed',
  'role_changed',
  'account_disabled',
] as const;

export type SecurityEventType = (typeof securityEventTypes)[number];

export type EventMetadata = Record<string, string | number | boolean | null | string[]>;
