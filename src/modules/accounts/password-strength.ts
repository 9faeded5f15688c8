// The strength estimator, off the event loop: one worker thread, started on the first password
// check and stopped after 15 seconds without one, so its memory (~80 MB of dictionaries) is only
// held while passwords are being chosen; starting it again costs about a third of a second.
import { Worker } from 'node:worker_threads';
import type { StrengthAnswer, StrengthRequest } from './password-strength.worker.ts';

const IDLE_MS = 15_000;

let worker: Worker | null = null;
let idleTimer: NodeJS.Timeout | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (answer: StrengthAnswer) => void; reject: (error: Error) => void }>();

function failAll(error: Error): void {
  for (const { reject } of pending.values()) reject(error);
  pending.clear();
}

function startWorker(): Worker {
  // The same module runs as .ts from src/ and as .js from the build.
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const started = new Worker(new URL(`./password-strength.worker.${extension}`, import.meta.url));
  started.on('message', (answer: StrengthAnswer) => {
    pending.get(answer.id)?.resolve(answer);
    pending.delete(answer.id);
    if (pending.size === 0) scheduleStop();
  });
  started.on('error', (error) => failAll(error));
  started.on('exit', () => {
    if (worker === started) worker = null;
    failAll(new Error('password strength worker stopped'));
  });
  started.unref();
  return started;
}

function scheduleStop(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (pending.size === 0 && worker) {
      const stopping = worker;
      worker = null;
      void stopping.terminate();
    }
  }, IDLE_MS);
  idleTimer.unref();
}

export function estimateStrength(password: string, userInputs: string[]): Promise<StrengthAnswer> {
  if (idleTimer) clearTimeout(idleTimer);
  worker ??= startWorker();
  const id = ++nextId;
  const request: StrengthRequest = { id, password, userInputs };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage(request);
  });
}
