// One security event in plain words: "Password changed from Firefox on Linux in Berlin, DE",
// "Signed in with a code from your authenticator app", "A sign-in failed (wrong password)".
// Every event type the API lists has its sentence (the Record makes the compiler ask for a new
// one); a type this page does not know yet, from a newer server, still reads as words.
import type { ResponseOf } from '../../../api/index.ts';

export type SecurityEvent = ResponseOf<'listSecurityEvents'>['events'][number];
type EventType = SecurityEvent['type'];

/** How worrying an event is: a failure or a lock is shown so it stands out. */
export type EventTone = 'normal' | 'warning';

const WARNINGS = new Set<string>([
  'sign_in_failed',
  'sign_in_rate_limited',
  'password_change_failed',
  'password_change_rate_limited',
  'reauthentication_failed',
  'two_factor_failed',
  'two_factor_locked',
  'email_change_failed',
]);

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** " in Berlin, DE", " on a local network", or nothing when the place is unknown. */
function place(location: string | null): string {
  if (!location || location === 'Unknown location') return '';
  if (location === 'Local network') return ' on a local network';
  return ` in ${location}`;
}

/** " from Firefox on Linux in Berlin, DE": the session the event happened in, else what the metadata says. */
function where(event: SecurityEvent): string {
  const device = event.device ?? text(event.metadata.device);
  const location = event.location ?? text(event.metadata.location);
  if (!device || device === 'Unknown device') return place(location);
  return ` from ${device}${place(location)}`;
}

/** "; 2 other devices were signed out" when the change ended sessions. */
function signedOutOthers(metadata: SecurityEvent['metadata'], other = 'other '): string {
  const n = count(metadata.revokedSessions);
  return n > 0 ? `; ${plural(n, `${other}device was`, `${other}devices were`)} signed out` : '';
}

const METHODS: Record<string, string> = {
  totp: 'a code from your authenticator app',
  sms: 'a code sent by text message',
  backup_code: 'a backup code',
};

const SECOND_FACTORS: Record<string, string> = { totp: 'authenticator app', sms: 'text message' };

const FAILED_SIGN_IN: Record<string, string> = {
  invalid_password: 'A sign-in failed (wrong password)',
  account_disabled: 'A sign-in was refused (the account is disabled)',
  email_not_verified: 'A sign-in was refused (the email address is not confirmed yet)',
  no_password: 'A sign-in with a password failed (this account has no password)',
};

const PROFILE_FIELDS: Record<string, string> = { displayName: 'name', notifyNewSignIn: 'sign-in notices' };

const SENTENCES: Record<EventType, (event: SecurityEvent) => string> = {
  account_created: (e) => `Account created${where(e)}`,
  sign_in_succeeded: (e) => {
    const method = METHODS[text(e.metadata.method) ?? ''];
    if (method) return `Signed in with ${method}${where(e)}`;
    if (e.metadata.verification === 'trusted_device') return `Signed in on a remembered device, without a code${where(e)}`;
    if (e.metadata.verification === 'oauth') return `Signed in with a connected account${where(e)}`;
    return `Signed in with your password${where(e)}`;
  },
  sign_in_failed: (e) => `${FAILED_SIGN_IN[text(e.metadata.reason) ?? ''] ?? 'A sign-in failed'}${where(e)}`,
  sign_in_rate_limited: (e) => `Sign-in paused after too many attempts${where(e)}`,
  sign_out: (e) => `Signed out${where(e)}`,
  password_changed: (e) => `Password changed${where(e)}${signedOutOthers(e.metadata)}`,
  password_change_failed: (e) => `A password change failed (wrong current password)${where(e)}`,
  password_change_rate_limited: (e) => `Password change paused after too many attempts${where(e)}`,
  session_revoked: (e) =>
    e.metadata.reason === 'replaced_by_sign_in'
      ? `An earlier session in this browser ended when you signed in again${where(e)}`
      : e.metadata.current === true
        ? `Signed out${where(e)}`
        : `Another device was signed out${where(e)}`,
  other_sessions_revoked: (e) => `${plural(count(e.metadata.count), 'other device', 'other devices')} signed out${where(e)}`,
  profile_updated: (e) => {
    const fields = Array.isArray(e.metadata.fields) ? e.metadata.fields.map((field) => PROFILE_FIELDS[String(field)] ?? String(field)) : [];
    return `Profile updated${fields.length > 0 ? ` (${fields.join(', ')})` : ''}${where(e)}`;
  },
  sign_in_challenged: (e) => `Password accepted; a code was asked for next${where(e)}`,
  reauthenticated: (e) => `You confirmed it was you${e.metadata.method ? ' with your password and a code' : ' with your password'}${where(e)}`,
  reauthentication_failed: (e) => `A confirmation that it was you failed (wrong password)${where(e)}`,
  two_factor_setup_started: (e) =>
    e.metadata.method === 'sms' ? `Started adding a phone for text-message codes${where(e)}` : `Started setting up an authenticator app${where(e)}`,
  two_factor_enabled: (e) => {
    const factor = SECOND_FACTORS[text(e.metadata.method) ?? ''];
    return `Two-step verification turned on${factor ? ` (${factor})` : ''}${where(e)}${signedOutOthers(e.metadata)}`;
  },
  two_factor_disabled: (e) => `Two-step verification turned off${where(e)}${signedOutOthers(e.metadata)}`,
  two_factor_failed: (e) => {
    const method = METHODS[text(e.metadata.method) ?? ''];
    return `A sign-in step failed (wrong ${method ? method.replace(/^a /, '') : 'code'})${where(e)}`;
  },
  two_factor_locked: (e) => `Codes blocked for a while after too many wrong ones${where(e)}`,
  backup_code_used: (e) => `A backup code was used (${plural(count(e.metadata.remaining), 'code', 'codes')} left)${where(e)}`,
  backup_codes_regenerated: (e) => `New backup codes made; the old ones stopped working${where(e)}`,
  trusted_device_added: (e) => `${text(e.metadata.device) ?? 'A device'} was remembered: it skips the code for a while`,
  trusted_device_revoked: (e) => `A remembered device was forgotten${where(e)}`,
  email_verification_requested: (e) => `A confirmation link was sent to your email address${where(e)}`,
  email_verified: () => 'Email address confirmed',
  password_reset_requested: () => 'A password reset link was sent to your email address',
  password_reset_completed: (e) => `Password reset from an email link${signedOutOthers(e.metadata, '')}`,
  email_change_requested: (e) => `A change of email address was requested${where(e)}`,
  email_change_failed: (e) => `A change of email address failed (wrong password)${where(e)}`,
  email_changed: (e) => `Email address changed${where(e)}${signedOutOthers(e.metadata)}`,
  role_changed: (e) => `An administrator changed your role to ${text(e.metadata.to)?.toLowerCase().replace('_', ' ') ?? 'another one'}`,
  account_disabled: () => 'An administrator disabled your account',
};

/** The event as one sentence a person reads. */
export function describeEvent(event: SecurityEvent): string {
  const sentence = Object.hasOwn(SENTENCES, event.type) ? SENTENCES[event.type](event) : null;
  if (sentence) return sentence;
  // A type from a newer server: its name in words ("passkey_added" → "Passkey added").
  const words = String(event.type).replace(/_/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}${where(event)}`;
}

export function eventTone(event: SecurityEvent): EventTone {
  return WARNINGS.has(event.type) ? 'warning' : 'normal';
}
