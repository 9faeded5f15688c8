// TOTP (RFC 6238) through the otpauth library. We issue SHA1 / 6 digits / 30 s because every
// authenticator app accepts exactly that (STANDARDS: Key Uri Format); the verifier takes the
// parameters so the RFC test vectors run against this same code path.
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
const TOTP_ALGORITHM = 'SHA1';

/** 160 bits from the CSPRNG, base32 without padding. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** Issuer and account may not contain a colon (Key Uri Format). */
function labelPart(value: string): string {
  return value.replaceAll(':', ' ').trim();
}

export function otpauthUrl(issuer: string, account: string, secretBase32: string): string {
  return new TOTP({
    issuer: labelPart(issuer),
    label: labelPart(account),
    secret: Secret.fromBase32(secretBase32),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

export interface TotpCheck {
  secretBase32: string;
  code: string;
  /** Milliseconds since the epoch: the server's own time (ASVS 6.5.8). */
  timestamp: number;
  digits?: number;
  algorithm?: 'SHA1' | 'SHA256' | 'SHA512';
  /** Accepted drift in time-steps either side (security.md §4: ±1). */
  window?: number;
}

/** Returns the time-step the code belongs to, or null when it matches none in the window. */
export function matchTotpStep(check: TotpCheck): number | null {
  const digits = check.digits ?? TOTP_DIGITS;
  if (!new RegExp(`^\\d{${digits}}$`).test(check.code)) return null;
  const delta = TOTP.validate({
    token: check.code,
    secret: Secret.fromBase32(check.secretBase32),
    algorithm: check.algorithm ?? TOTP_ALGORITHM,
    digits,
    period: TOTP_PERIOD_SECONDS,
    timestamp: check.timestamp,
    window: check.window ?? 1,
  });
  if (delta === null) return null;
  return Math.floor(check.timestamp / 1000 / TOTP_PERIOD_SECONDS) + delta;
}
