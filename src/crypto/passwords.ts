// Password hashing through native libraries on dedicated hashing threads (hash-threads.ts), never
// on the event loop. security.md §1: argon2id m=19 MiB t=2 p=1 by default, bcrypt cost 12 by
// PASSWORD_HASHER; either kind of stored hash verifies, and one made with other settings is
// reported for upgrade.
import { availableParallelism } from 'node:os';
import type { PasswordHasherName } from '../config.ts';
import { createHashThreads } from './hash-threads.ts';

const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const BCRYPT_COST = 12;
export const BCRYPT_MAX_BYTES = 72;

/** Unicode is compared and counted after NFKC, so the same password typed on any keyboard matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export interface PasswordHasher {
  readonly name: PasswordHasherName;
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<boolean>;
  /** True when the stored hash was made by another algorithm or with other settings. */
  needsRehash(storedHash: string): boolean;
  /** Spends the same time as a real verification, for accounts that do not exist (security.md §5). */
  verifyDummy(password: string): Promise<void>;
}

function isBcrypt(storedHash: string): boolean {
  return /^\$2[aby]\$\d{2}\$/.test(storedHash);
}

export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function createPasswordHasher(name: PasswordHasherName, concurrency = defaultHashConcurrency()): PasswordHasher {
  const threads = createHashThreads(concurrency);
  const hash = async (password: string): Promise<string> =>
    String(await threads.run(name === 'argon2id' ? { op: 'argon2-hash', password, options: ARGON2 } : { op: 'bcrypt-hash', password, cost: BCRYPT_COST }));

  const verify = async (storedHash: string, password: string): Promise<boolean> => {
    if (isBcrypt(storedHash)) {
      // bcrypt reads only 72 bytes; refusing longer input means a password is never truncated.
      if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) return false;
      return (await threads.run({ op: 'bcrypt-verify', password, storedHash })) === true;
    }
    if (storedHash.startsWith('$argon2')) {
      return threads.run({ op: 'argon2-verify', password, storedHash }).then((matched) => matched === true, () => false);
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
