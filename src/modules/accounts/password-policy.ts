// security.md §1 / ASVS 6.2 / NIST 800-63B: length, not composition. At least `minLength` code points
// (after NFKC), at most 256, no truncation (bcrypt's 72-byte limit is refused, not cut), common and
// guessable passwords refused using the user's own email and name and the product name as context.
import { BCRYPT_MAX_BYTES, normalizePassword } from '../../crypto/passwords.ts';
import { estimateStrength } from './password-strength.ts';
import type { PasswordHasherName } from '../../config.ts';

export const PASSWORD_MAX_LENGTH = 256;
const MIN_SCORE = 3;

export interface PolicyContext {
  minLength: number;
  hasher: PasswordHasherName;
  email?: string | undefined;
  displayName?: string | null | undefined;
  productName: string;
}

function personalWords(context: PolicyContext): string[] {
  const words = [context.productName, 'gatehouse'];
  if (context.email) words.push(context.email, ...context.email.split(/[@.+_-]/));
  if (context.displayName) words.push(context.displayName, ...context.displayName.split(/\s+/));
  return [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3))];
}

function charactersCoveredBy(password: string, words: string[]): number {
  const covered = new Array<boolean>(password.length).fill(false);
  for (const word of words) {
    for (let at = password.indexOf(word); at !== -1; at = password.indexOf(word, at + 1)) {
      covered.fill(true, at, at + word.length);
    }
  }
  return covered.filter(Boolean).length;
}

/** Returns why the password is refused, or null when it is acceptable. */
export async function passwordProblem(rawPassword: string, context: PolicyContext): Promise<string | null> {
  // Half a surrogate pair cannot be hashed as typed: it would turn into U+FFFD.
  if (!rawPassword.isWellFormed()) return 'The password contains broken characters; type it again.';
  const password = normalizePassword(rawPassword);
  const length = [...password].length;
  if (length < context.minLength) return `Use at least ${context.minLength} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (context.hasher === 'bcrypt' && Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) {
    return `This server stores passwords with bcrypt, which reads only ${BCRYPT_MAX_BYTES} bytes; use a shorter password (fewer or simpler characters).`;
  }

  const contextWords = personalWords(context);
  const result = await estimateStrength(password, contextWords);
  if (result.common) return 'This is one of the most common passwords, among the first an attacker tries; choose one that others would not.';
  // ASVS 6.2.11: a password made mostly of the user's own details is refused even when long.
  const contextChars = charactersCoveredBy(password.toLowerCase(), contextWords);
  if (contextChars * 2 >= password.length) return 'This password is mostly your email, your name or the product name; choose one that is not about you.';
  if (result.score < MIN_SCORE) {
    const usesContext = contextChars > 0;
    const reason = usesContext
      ? 'It contains your email, your name or the product name.'
      : result.warning || 'It would be easy to guess.';
    const hint = result.suggestion ?? 'A few unrelated words together make a strong password.';
    return `This password is too easy to guess. ${reason} ${hint}`.replace(/\s+/g, ' ').trim();
  }
  return null;
}
