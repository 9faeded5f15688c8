// Password hashing through native libraries that run on libuv's thread pool, never on the event
// loop. SPEC 4.1: argon2id m=19 MiB t=2 p=1 by default, bcrypt cost 12 by PASSWORD_HASHER; either
// kind of stored hash verifies, and one made with other settings is reported for upgrade.
//
// At most `concurrency` hashes run at once (default: one core fewer than the machine has), so a
// storm of sign-ins queues for the hasher instead of taking every core from the requests that do
// not hash: the session check keeps its latency while sign-in runs at the hasher's full rate.
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { hash as bcryptHash, verify as bcryptVerify } from '@node-rs/bcrypt';
import { availableParallelism } from 'node:os';
import type { PasswordHasherName } from '../config.ts';
import { lowerThreadPoolPriority } from './thread-pool-priority.ts';

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

/** Runs at most `limit` tasks at a time; the rest wait in order. */
function limiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function createPasswordHasher(name: PasswordHasherName, concurrency = defaultHashConcurrency()): PasswordHasher {
  const limited = limiter(concurrency);
  // libuv starts its pool threads with the first task: renice them once the first hash is done.
  let reniced = false;
  const slot = async <T>(task: () => Promise<T>): Promise<T> => {
    try {
      return await limited(task);
    } finally {
      if (!reniced) reniced = lowerThreadPoolPriority() > 0 || process.platform !== 'linux';
    }
  };
  const hash = (password: string): Promise<string> =>
    slot(() =>
      name === 'argon2id'
        ? argon2Hash(password, ARGON2) // the library's default algorithm is argon2id
        : bcryptHash(password, BCRYPT_COST),
    );

  const verify = async (storedHash: string, password: string): Promise<boolean> => {
    if (isBcrypt(storedHash)) {
      // bcrypt reads only 72 bytes; refusing longer input means a password is never truncated.
      if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) return false;
      return slot(() => bcryptVerify(password, storedHash));
    }
    if (storedHash.startsWith('$argon2')) {
      return slot(() => argon2Verify(storedHash, password)).catch(() => false);
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
