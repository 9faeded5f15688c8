// Backup codes (security.md §4, ASVS 6.5.1-6.5.4): 10 codes of 50 bits from the CSPRNG, written as two
// groups of five characters from an alphabet without look-alikes, single use, stored only as an
// HMAC keyed by a secret-derived key and salted with the user id (ASVS 6.5.2: codes under 112
// bits need a salted hash; the key also stops an offline search of a stolen database).
import { randomInt } from 'node:crypto';
import type { Keyring } from '../../crypto/keyring.ts';

export const BACKUP_CODE_COUNT = 10;
// Crockford's base32: 32 symbols (5 bits each), no I, L, O or U.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SHAPE = /^[0-9A-Z]{5}-[0-9A-Z]{5}$/;

function generateOne(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export function generateBackupCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < BACKUP_CODE_COUNT) codes.add(generateOne());
  return [...codes];
}

/** Accepts what people type: any case, spaces, with or without the dash, and O/I/L for 0/1/1. */
export function normalizeBackupCode(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  const code = `${compact.slice(0, 5)}-${compact.slice(5)}`;
  return compact.length === 10 && SHAPE.test(code) && [...compact].every((c) => ALPHABET.includes(c)) ? code : null;
}

/** What a new code is stored as: its keyed hash under the current key. */
export function hashBackupCode(keyring: Keyring, userId: string, code: string): string {
  return keyring.mac('backup-code', `${userId}:${code}`);
}

/** What a typed code may be stored as: codes issued before a key rotation carry an older key (security.md §2). */
export function backupCodeHashes(keyring: Keyring, userId: string, code: string): string[] {
  return keyring.macUnderEveryKey('backup-code', `${userId}:${code}`);
}
