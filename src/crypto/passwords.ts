// Password hashing through native libraries that run on libuv's thread pool, never on the event
// loop. SPEC 4.1: argon2id m=19 MiB t=2 p=1 by default, bcrypt cost 12 by PASSWORD_HASHER; either
// kind of stored hash verifies, and one made with other settings is reported for upgrade.
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { hash as bcryptHash, verify as bcryptVerify } from '@node-rs/bcrypt';
import type { PasswordHasherName } from '../config.ts';

const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const BCRYPT_COST = 12;
export const BCRYPT_MAX_BYTES = 72;

export interface PasswordHasher {
  readonly name: PasswordHasherName;
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<boolean>;
  /** True when the stored hash was made by another algorithm or with other settings. */
  needsRehash(storedHash: string): boolean;
  /** Spends the same time as a real verification, for accounts that do not exist (SPEC 4.6). */
  verifyDummy(password: string): Promise<void>;
}

function isBcrypt(storedHash: string): boolean {
  return /^\$2[aby]\$\d{2}\$/.test(storedHash);
}

export function createPasswordHasher(name: PasswordHasherName): PasswordHasher {
  const hash = (password: string): Promise<string> =>
    name === 'argon2id'
      ? argon2Hash(password, ARGON2) // the library's default algorithm is argon2id
      : bcryptHash(password, { cost: BCRYPT_COST });

  const verify = async (storedHash: string, password: string): Promise<boolean> => {
    if (isBcrypt(storedHash)) {
      // bcrypt reads only 72 bytes; refusing longer input means a password is never truncated.
      if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) return false;
      return bcryptVerify(password, storedHash);
    }
    if (storedHash.startsWith('$argon2')) {
      try {
        return await argon2Verify(storedHash, password);
      } catch {
        return false;
      }
    }
    return false;
  };

  let dummyHash: Promise<string> | undefined;

  return {
    name,
    hash,
    verify,
    needsRehash(storedHash) {
      if (name === 'bcrypt') {
        const cost = /^\$2[aby]\$(\d{2})\$/.exec(storedHash)?.[1];
        return cost === undefined || Number(cost) < BCRYPT_COST;
      }
      return !storedHash.startsWith(`$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`);
    },
    async verifyDummy(password) {
      dummyHash ??= hash('gatehouse-dummy-password-for-unknown-accounts');
      await verify(await dummyHash, password);
    },
  };
}
