// Trust score 0–100 for a device session, from signals a user can understand:
//   40  base: the password (or a provider) was verified at sign-in
//  +15  known device: this user signed in before with the same browser user agent
//  +15  known network: this user signed in before from the same /24 (IPv4) or /48 (IPv6)
//  +30  a second factor was used at sign-in (+20 when skipped on a device the user chose to trust)
//  −5   per full week since sign-in, at most −20: an old sign-in proves less about who holds it now
import type { Verification } from '../../db/schema.ts';

export interface SignInSignals {
  knownDevice: boolean;
  knownNetwork: boolean;
  verification: Verification;
}

export function signInTrustScore(signals: SignInSignals): number {
  let score = 40;
  if (signals.knownDevice) score += 15;
  if (signals.knownNetwork) score += 15;
  if (signals.verification === 'two_factor') score += 30;
  if (signals.verification === 'trusted_device') score += 20;
  return Math.min(100, score);
}

export function currentTrustScore(signInScore: number, createdAt: Date, now: Date): number {
  const weeks = Math.floor((now.getTime() - createdAt.getTime()) / (7 * 86400_000));
  return Math.max(0, signInScore - Math.min(20, Math.max(0, weeks) * 5));
}
