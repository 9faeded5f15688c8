// Password hashes run on libuv's thread pool. On Linux those threads are reniced below the event
// loop, so a storm of sign-ins only takes CPU time that request handling does not want: a session
// check never waits for a core behind a hash (issue 5). Nothing else in Gatehouse keeps the pool
// busy (an occasional outbox file write, a DNS lookup), and it runs at the same lower priority.
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

export const THREAD_POOL_NICENESS = 10;

/** Renices every thread-pool thread of this process; returns how many were found. */
export function lowerThreadPoolPriority(): number {
  if (process.platform !== 'linux') return 0;
  let found = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      setPriority(Number(tid), THREAD_POOL_NICENESS);
      found += 1;
    } catch {
      // The thread ended meanwhile, or the system refused: hashing still works at normal priority.
    }
  }
  return found;
}
