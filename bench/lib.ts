// Shared pieces of the benchmarks: fresh databases, servers in their own processes, autocannon.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';

export const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
export const seconds = Number(process.env.BENCH_SECONDS || 10);
export const connections = Number(process.env.BENCH_CONNECTIONS || 50);
export const PASSWORD = 'violet-harbor-quantum-47';
export const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

export async function admin(query: string, url = adminUrl): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface Server {
  process: ChildProcess;
  origin: string;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
// A failed run must not leave servers behind to answer the next run's requests.
process.on('exit', () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

async function portIsFree(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return false;
  } catch {
    return true;
  }
}

/** The same V8 memory settings `npm start` uses, for Gatehouse's production build. */
const GATEHOUSE_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=160'];

export async function startServer(script: string, port: number, env: Record<string, string>): Promise<Server> {
  if (!(await portIsFree(port))) throw new Error(`port ${port} is already in use: stop whatever listens there first`);
  const flags = script.startsWith('dist/') ? GATEHOUSE_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, script], { env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  started.add(child);
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      await fetch(`${origin}/api/auth/session`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    process: child,
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** The value below which `share` of the sorted values fall, to 0.01 ms. */
function percentile(sorted: number[], share: number): number {
  if (sorted.length === 0) return 0;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
  return Math.round(value * 100) / 100;
}

export async function measure(options: autocannon.Options, conns = connections, duration = seconds): Promise<Measured> {
  await autocannon({ ...options, connections: conns, duration: 2 }); // warm-up
  // autocannon's own percentiles are whole milliseconds: at a p99 of 3 ms that rounding alone moves
  // a ratio by a third, so every response time is kept as measured (sub-millisecond).
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ ...options, connections: conns, duration }, (error, finished) => (error ? reject(error) : resolve(finished)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 300) latencies.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  return { rps: Math.round(result.requests.average), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors: result.non2xx + result.errors };
}

/** Resident memory of a process and its children (cluster workers), in MB. */
export function rssMb(pid: number): number {
  const own = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(own)?.[1] ?? 0) / 1024);
}

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function cookieFrom(response: Response, name: string): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie in ${response.status} answer`);
  return cookie.split(';')[0]!;
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
