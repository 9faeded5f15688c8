// What a first factor hands the sign-in flow (flow.ts): whose account it proved.
import type { User } from '../../db/schema.ts';

export interface VerifiedIdentity {
  user: User;
  /** A stronger hash of the password just proven, stored with the sign-in (security.md §1). */
  upgradedHash: string | null;
}
