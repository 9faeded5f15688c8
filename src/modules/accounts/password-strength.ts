// The strength estimator runs in a helper process, started on the first password check and
// stopped after 15 seconds without one. Its dictionaries (~60 MB with the runtime) are held only
// while passwords are being chosen, and all of it goes back to the system when the helper exits: a
// worker thread left ~30 MB of its heap behind in this process after it stopped. Starting
// the helper again costs about a third of a second, on a registration or password change only.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HelperReady, StrengthAnswer, StrengthRequest } from './password-strength.helper.ts';

const IDLE_MS = 15_000;

interface Helper {
  process: ChildProcess;
  /** Resolves once the helper listens for requests. */
  ready: Promise<void>;
}

let helper: Helper | null = null;
let idleTimer: NodeJS.Timeout | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (answer: StrengthAnswer) => void; reject: (error: Error) => void }>();

function failAll(error: Error): void {
  for (const { reject } of pending.values()) reject(error);
  pending.clear();
}

function startHelper(): Helper {
  // The same module runs as .ts from src/ and as .js from the build.
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const script = fileURLToPath(new URL(`./password-strength.helper.${extension}`, import.meta.url));
  // No environment and no inherited flags: the helper needs no secret, no database, no limits of ours.
  const child = fork(script, [], { env: {}, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const started: Helper = {
    process: child,
    ready: new Promise((resolve, reject) => {
      child.on('message', (message: StrengthAnswer | HelperReady) => {
        if ('ready' in message) return resolve();
        pending.get(message.id)?.resolve(message);
        pending.delete(message.id);
        if (pending.size === 0) idle(started);
      });
      child.on('error', (error) => {
        reject(error);
        failAll(error);
      });
      child.on('exit', () => {
        if (helper === started) helper = null;
        const stopped = new Error('password strength helper stopped');
        reject(stopped);
        failAll(stopped);
      });
    }),
  };
  return started;
}

/** Lets this process exit without waiting for the helper, and stops the helper after a while. */
function idle(running: Helper): void {
  running.process.unref();
  running.process.channel?.unref();
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (pending.size === 0 && helper === running) stopStrengthHelper();
  }, IDLE_MS);
  idleTimer.unref();
}

/** The helper's process id while it runs (for tests and diagnostics). */
export function strengthHelperPid(): number | null {
  return helper?.process.pid ?? null;
}

export function stopStrengthHelper(): void {
  const stopping = helper;
  helper = null;
  stopping?.process.kill();
}

export async function estimateStrength(password: string, userInputs: string[]): Promise<StrengthAnswer> {
  if (idleTimer) clearTimeout(idleTimer);
  const running = (helper ??= startHelper());
  // While an answer is awaited the helper keeps this process alive, like any pending I/O.
  running.process.ref();
  running.process.channel?.ref();
  await running.ready;
  const id = ++nextId;
  const request: StrengthRequest = { id, password, userInputs };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    running.process.send(request, (error) => {
      if (!error) return;
      pending.delete(id);
      reject(error);
    });
  });
}
