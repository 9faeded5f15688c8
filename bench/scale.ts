// `npm run bench:scale`: the session check and "list my sessions" on a database of 1,000,000
// users and 5,000,000 sessions, against the same checks on a small database in the same run,
// with the session cache off so that every check reads the database.
// Seeding is plain SQL (generate_series) inside PostgreSQL: minutes, not hours.
//   BENCH_USERS (1000000), BENCH_SESSIONS_PER_USER (5), BENCH_SECONDS, BENCH_CONNECTIONS
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { connections, fmt, freshDatabase, measure, redisUrl, SECRET, startServer, type Measured } from './lib.ts';

const run = promisify(execFile);
const users = Number(process.env.BENCH_USERS || 1_000_000);
const perUser = Number(process.env.BENCH_SESSIONS_PER_USER || 5);
// "List my sessions" is a page load, not a hot loop: measured at a few concurrent users.
const LIST_CONNECTIONS = 4;

// A token the seed gives user `i`'s session `j`, and the hash the database stores for it: the
// same base64url(SHA-256) shapes Gatehouse itself uses.
const b64url = (expr: string) => `translate(rtrim(encode(${expr}, 'base64'), '='), '+/', '-_')`;
const tokenSql = (i: string, j: string) => b64url(`sha256(convert_to('seed:' || ${i} || ':' || ${j}, 'UTF8'))`);

async function seed(databaseUrl: string, count: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = Date.now();
  try {
    await client.query(`
      insert into users (email, password_hash, display_name, created_at, updated_at)
      select 'user' || i || '@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2VlZHNlZWRzZWVkc2VlZA$c2VlZHNlZWRzZWVkc2VlZHNlZWRzZWVkc2VlZA', 'User ' || i, now(), now()
      from generate_series(1, ${count}) as i`);
    await client.query(`
      insert into sessions (user_id, token_hash, device, browser, os, ip_masked, location, trust_score, verification,
                            idle_timeout_seconds, persistent, created_at, authenticated_at, last_active_at, expires_at)
      select u.id, ${b64url(`sha256(convert_to(${tokenSql('n.i', 'j')}, 'UTF8'))`)}, 'Chrome on macOS', 'Chrome', 'macOS', '203.0.113.x', 'Local network', 55, 'password',
             30 * 86400, true, now(), now(), now(), now() + interval '30 days'
      from (select i, 'user' || i || '@example.com' as email from generate_series(1, ${count}) as i) as n
      join users u on u.email = n.email
      cross join generate_series(1, ${perUser}) as j`);
    await client.query('analyze users; analyze sessions;');
  } finally {
    await client.end();
  }
  return (Date.now() - started) / 1000;
}

async function tokenFor(databaseUrl: string, i: number, j: number): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select ${tokenSql('$1::text', '$2::text')} as token`, [String(i), String(j)]);
    return rows[0].token as string;
  } finally {
    await client.end();
  }
}

async function migrate(databaseUrl: string): Promise<void> {
  await run(process.execPath, ['dist/cli.js', 'migrate', 'up'], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, GATEHOUSE_SECRET: SECRET } });
}

// The session cache would answer a repeated token from memory whatever the database's size: off
// here, so every check is the indexed lookup this benchmark is about.
const env = (databaseUrl: string, port: number) => ({
  SESSION_CACHE: 'false',
  DATABASE_URL: databaseUrl,
  GATEHOUSE_SECRET: SECRET,
  RATE_LIMIT_ENABLED: 'false',
  LOG_LEVEL: 'warn',
  NODE_ENV: 'production',
  REDIS_URL: redisUrl,
  PUBLIC_URL: `http://127.0.0.1:${port}`,
});

async function measureDatabase(databaseUrl: string, port: number, user: number): Promise<{ session: Measured; list: Measured }> {
  const server = await startServer('dist/main.js', port, env(databaseUrl, port));
  try {
    const cookie = `gatehouse_session=${await tokenFor(databaseUrl, user, 3)}`;
    const check = await fetch(`${server.origin}/api/auth/sessions`, { headers: { cookie } });
    const listed = (await check.json()) as { sessions?: unknown[] };
    if (check.status !== 200 || listed.sessions?.length !== perUser) throw new Error(`seeded session not accepted: ${check.status}`);
    const session = await measure({ url: `${server.origin}/api/auth/session`, headers: { cookie } });
    const list = await measure({ url: `${server.origin}/api/auth/sessions`, headers: { cookie } }, LIST_CONNECTIONS);
    return { session, list };
  } finally {
    await server.stop();
  }
}

console.log(`Scale benchmark: ${fmt(users)} users × ${perUser} sessions against 1,000 × ${perUser}; ${connections} connections (${LIST_CONNECTIONS} for the list).`);
const small = await freshDatabase('bench_scale_small');
const large = await freshDatabase('bench_scale_large');
await migrate(small);
await migrate(large);
const SMALL_USERS = 1000;
await seed(small, SMALL_USERS);
const seconds = await seed(large, users);
console.log(`Seeded ${fmt(users)} users and ${fmt(users * perUser)} sessions in ${fmt(seconds, 1)} s.`);

const smallResult = await measureDatabase(small, 4201, SMALL_USERS / 2);
const largeResult = await measureDatabase(large, 4202, Math.floor(users / 2));

console.log('\n| database | session check req/s | p50 ms | p99 ms | list sessions req/s | list p99 ms |');
console.log('|---|---:|---:|---:|---:|---:|');
console.log(`| 1,000 users × ${perUser} | ${fmt(smallResult.session.rps)} | ${smallResult.session.p50} | ${smallResult.session.p99} | ${fmt(smallResult.list.rps)} | ${smallResult.list.p99} |`);
console.log(`| ${fmt(users)} users × ${perUser} | ${fmt(largeResult.session.rps)} | ${largeResult.session.p50} | ${largeResult.session.p99} | ${fmt(largeResult.list.rps)} | ${largeResult.list.p99} |`);
console.log(`\nLarge / small session check requests/s: ${fmt((largeResult.session.rps / smallResult.session.rps) * 100, 1)} % (target ≥ 90 %); list p99 at scale: ${largeResult.list.p99} ms (target < 10 ms).`);
