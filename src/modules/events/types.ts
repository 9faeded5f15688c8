// The security-event types (seed 002 Account Events, seed 003 §3.2). Metadata never holds PII:
// no email, raw IP, token, code or password (SPEC §3).
export const securityEventTypes = [
  'account_created',
  'sign_in_succeeded',
  'sign_in_failed',
  'sign_in_rate_limited',
  'sign_out',
  'password_changed',
  'password_change_failed',
  'session_revoked',
  'other_sessions_revoked',
  'profile_updated',
] as const;

export type SecurityEventType = (typeof securityEventTypes)[number];

export type EventMetadata = Record<string, string | number | boolean | null | string[]>;
