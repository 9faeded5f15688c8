import { AppError } from '../../errors.ts';

// Email addresses are compared and stored lower-cased and NFC-normalised, so "Alice@Example.com"
// and "alice@example.com" are one account.
const SHAPE = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\].]{2,}$/u;

export function normalizeEmail(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase();
}

export function isValidEmail(email: string): boolean {
  const at = email.lastIndexOf('@');
  return email.isWellFormed() && email.length <= 254 && at > 0 && at <= 64 && !/[\p{Cc}\p{Cf}]/u.test(email) && !email.includes('..') && SHAPE.test(email);
}

export function requireValidEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) throw new AppError('INVALID_EMAIL', undefined, { fields: { email: 'is not a valid email address' } });
  return email;
}
