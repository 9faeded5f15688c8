// A Redis server of the test's own (redis-server as a child process on a free port, nothing saved
// to disk), so a test can stop it under a running app and start it again on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createTestApp, type TestApp } from './app.ts';
import type { DatabaseKind } from './databases.ts';
import { closedPort } from './smtp.ts';

export class TestRedisServer {
  private process: ChildProcess | null = null;
  readonly port: number;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<TestRedisServer> {
    const server = new TestRedisServer(await closedPort());
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and resolves once it answers PING. */
  async resume(): Promise<void> {
    if (this.process) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.process = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`))));
    exited.catch(() => {});
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    probe.on('error', () => {});
    const deadline = Date.now() + 10_000;
    try {
      for (;;) {
        try {
          await Promise.race([probe.connect().then(() => probe.ping()), exited]);
          return;
        } catch (error) {
          if (Date.now() > deadline || child.exitCode !== null) throw error;
          probe.disconnect();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      probe.disconnect();
    }
  }

  /** Stops the server (SIGKILL: gone at once, as when the host or the network fails). */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

export const startRedisServer = (): Promise<TestRedisServer> => TestRedisServer.start();

/** A test app whose rate-limit counters live in a Redis server of its own (to be stopped under it). */
export async function appWithOwnRedis(kind: DatabaseKind): Promise<{ t: TestApp; redis: TestRedisServer }> {
  const redis = await startRedisServer();
  return { t: await createTestApp(kind, { env: { REDIS_URL: redis.url } }), redis };
}

export async function closeAppWithOwnRedis(t: TestApp, redis: TestRedisServer): Promise<void> {
  await t.close();
  await redis.stop();
}
