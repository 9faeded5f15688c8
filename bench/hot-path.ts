// Benchmark of the hot path against a real PostgreSQL: the session check (GET /api/auth/session
// with a valid cookie) and sign-in (POST /api/auth/login). The server runs in its own process;
// autocannon drives it from this one. Prints requests/s and p50/p99 latency.
//
//   npm run bench                 (BENCH_DATABASE_URL, BENCH_CONNECTIONS, BENCH_SECONDS to adjust)
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import pg from 'pg';

const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const connections = Number(process.env.BENCH_CONNECTIONS || 50);
const seconds = Number(process.env.BENCH_SECONDS || 10);
const port = Number(process.env.BENCH_PORT || 3999);
const origin = `http://127.0.0.1:${port}`;
const databaseName = 'gatehouse_bench';
const password = 'violet-harbor-quantum-47';

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

async function waitForHealthy(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

interface Row {
  name: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function measure(name: string, options: autocannon.Options, conns: number): Promise<Row> {
  await autocannon({ ...options, connections: conns, duration: 2 }); // warm-up
  const result = await autocannon({ ...options, connections: conns, duration: seconds });
  return { name, connections: conns, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

await admin(`drop database if exists ${databaseName} with (force)`);
await admin(`create database ${databaseName}`);
const databaseUrl = new URL(adminUrl);
databaseUrl.pathname = `/${databaseName}`;

const server = spawn(process.execPath, ['src/main.ts'], {
  env: {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl.toString(),
    GATEHOUSE_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: origin,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

try {
  await waitForHealthy();
  const headers = { 'content-type': 'application/json', origin };
  const registered = await fetch(`${origin}/api/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email: 'bench@example.com', password }) });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const cookie = registered.headers.getSetCookie()[0]!.split(';')[0]!;

  const rows = [
    await measure('GET /api/auth/session', { url: `${origin}/api/auth/session`, headers: { cookie } }, connections),
    await measure('POST /api/auth/login', { url: `${origin}/api/auth/login`, method: 'POST', headers, body: JSON.stringify({ email: 'bench@example.com', password }) }, Math.min(connections, 16)),
  ];
  console.log(`\nGatehouse hot path — PostgreSQL, 1 process, ${seconds} s per row after a 2 s warm-up\n`);
  console.log('| route | connections | requests/s | p50 ms | p99 ms | non-2xx |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.name} | ${row.connections} | ${row.rps} | ${row.p50} | ${row.p99} | ${row.non2xx} |`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await admin(`drop database if exists ${databaseName} with (force)`);
}
