// Opaque tokens (security.md §2): 256 bits from the CSPRNG to the client, SHA-256 of it in the database.
// A fast unkeyed hash is enough: the token has full entropy, so nothing can be guessed from it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Constant-time comparison of two hashes of equal encoding. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
