// A fixed set of hashing threads (HASH_CONCURRENCY, by default one core fewer than the machine
// has), started on the first hash. Each job goes to the thread with the fewest waiting, so a storm
// of sign-ins queues for the hasher instead of taking every core from the requests that do not
// hash, and hashing never runs on the event loop.
import { Worker } from 'node:worker_threads';
import type { HashJob, HashOutcome, HashRequest } from './hash-thread.ts';

/** The hashing threads' name, as the system shows it (ps -L, /proc/<pid>/task/<tid>/comm). */
export const HASH_THREAD_NAME = 'gatehouse-hash';
export const HASH_THREAD_NICENESS = 10;

interface HashThread {
  worker: Worker;
  waiting: Map<number, { resolve: (value: string | boolean) => void; reject: (error: Error) => void }>;
}

export interface HashThreads {
  run(request: HashRequest): Promise<string | boolean>;
}

export function createHashThreads(count: number): HashThreads {
  const threads: (HashThread | null)[] = Array.from({ length: count }, () => null);
  let nextId = 0;

  function start(slot: number): HashThread {
    // The same module runs as .ts from src/ and as .js from the build.
    const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const worker = new Worker(new URL(`./hash-thread.${extension}`, import.meta.url), { name: HASH_THREAD_NAME });
    const thread: HashThread = { worker, waiting: new Map() };
    worker.on('message', (outcome: HashOutcome) => {
      const job = thread.waiting.get(outcome.id);
      thread.waiting.delete(outcome.id);
      if ('error' in outcome) job?.reject(new Error(outcome.error));
      else job?.resolve(outcome.value);
      // An idle hashing thread does not keep the process alive.
      if (thread.waiting.size === 0) worker.unref();
    });
    const fail = (error: Error) => {
      if (threads[slot] === thread) threads[slot] = null;
      for (const job of thread.waiting.values()) job.reject(error);
      thread.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`hashing thread stopped (exit code ${code})`)));
    return thread;
  }

  return {
    run(request) {
      let slot = 0;
      for (let i = 1; i < threads.length; i++) {
        if ((threads[i]?.waiting.size ?? 0) < (threads[slot]?.waiting.size ?? 0)) slot = i;
      }
      const thread = (threads[slot] ??= start(slot));
      const id = ++nextId;
      thread.worker.ref();
      return new Promise((resolve, reject) => {
        thread.waiting.set(id, { resolve, reject });
        const job: HashJob = { ...request, id };
        thread.worker.postMessage(job);
      });
    },
  };
}
