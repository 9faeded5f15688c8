// Watches the jobs this process hands its password-hashing threads, below the hasher's own API:
// a test counts the hashes really computed, so a "verification" that skips the hash is caught.
import { Worker } from 'node:worker_threads';

export interface HashJobRecord {
  op: string;
  /** For a verification: the stored hash it was checked against. */
  storedHash?: string;
}

/** Records every job posted to a worker thread until `stop()`. One recorder at a time. */
export function recordHashJobs(): { jobs: HashJobRecord[]; stop(): void } {
  const jobs: HashJobRecord[] = [];
  const original = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: Parameters<Worker['postMessage']>[1]) {
    const job = message as { op?: unknown; storedHash?: unknown } | null;
    if (job && typeof job.op === 'string' && /^(argon2|bcrypt)-/.test(job.op)) {
      jobs.push({ op: job.op, ...(typeof job.storedHash === 'string' ? { storedHash: job.storedHash } : {}) });
    }
    return original.call(this, message, transfer);
  };
  return {
    jobs,
    stop() {
      Worker.prototype.postMessage = original;
    },
  };
}

/** "$argon2id$v=19$m=19456,t=2,p=1$salt$hash" → "$argon2id$v=19$m=19456,t=2,p=1": the cost of checking it. */
export function hashCost(storedHash: string): string {
  return storedHash.split('$').slice(0, 4).join('$');
}
