// One hashing thread. Jobs arrive in order on its message port and run back to back, so the thread
// never sits idle waiting for a busy event loop to hand it the next hash (on libuv's pool it did:
// sign-in reached 84–89 % of the raw hash rate). On Linux it lowers its own priority first: nice is
// per thread there, so request handling gets the CPU before a hash does.
import { parentPort } from 'node:worker_threads';
import { setPriority } from 'node:os';
import { hashSync as argon2Hash, verifySync as argon2Verify } from '@node-rs/argon2';
import { hashSync as bcryptHash, verifySync as bcryptVerify } from '@node-rs/bcrypt';
import { HASH_THREAD_NICENESS } from './hash-threads.ts';

export type HashRequest =
  | { op: 'argon2-hash'; password: string; options: { memoryCost: number; timeCost: number; parallelism: number } }
  | { op: 'bcrypt-hash'; password: string; cost: number }
  | { op: 'argon2-verify' | 'bcrypt-verify'; password: string; storedHash: string };

export type HashJob = HashRequest & { id: number };

export type HashOutcome = { id: number; value: string | boolean } | { id: number; error: string };

function run(job: HashJob): string | boolean {
  switch (job.op) {
    case 'argon2-hash':
      return argon2Hash(job.password, job.options); // the library's default algorithm is argon2id
    case 'bcrypt-hash':
      return bcryptHash(job.password, job.cost);
    case 'argon2-verify':
      return argon2Verify(job.storedHash, job.password);
    case 'bcrypt-verify':
      return bcryptVerify(job.password, job.storedHash);
  }
}

if (parentPort) {
  if (process.platform === 'linux') {
    try {
      setPriority(0, HASH_THREAD_NICENESS); // 0: this thread only, on Linux
    } catch {
      // Refused by the system: hashing still works at normal priority.
    }
  }
  const port = parentPort;
  port.on('message', (job: HashJob) => {
    let outcome: HashOutcome;
    try {
      outcome = { id: job.id, value: run(job) };
    } catch (error) {
      outcome = { id: job.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(outcome);
  });
}
