// `npm run bench`: Gatehouse, Better Auth and a bare-query ceiling, measured one after the other
// in the same run on the same machine against the machine's PostgreSQL (separate databases).
// Prints one table: the session check (requests/s, p50, p99 and the ratios), sign-in against the
// raw hash rate, the session check's p99 during a sign-in storm, and worker memory.
//   BENCH_SECONDS (10), BENCH_CONNECTIONS (50), BENCH_DATABASE_URL, BENCH_REDIS_URL
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { childPids, connections, cookieFrom, fmt, freshDatabase, measure, PASSWORD, redisUrl, rssMb, seconds, SECRET, startServer, type Measured } from './lib.ts';

const run = promisify(execFile);
const EMAIL = 'bench@example.com';
const STORM_EMAIL = 'storm@example.com';
// Sign-in is measured on an account of its own: a user keeps at most 100 live sessions (security.md
// §3), so thousands of sign-ins to the checked account would end the session the checks use.
const SIGN_IN_EMAIL = 'sign-in@example.com';
const json = { 'content-type': 'application/json' };
const SIGN_IN_CONNECTIONS = 16;
const STORM_SESSION_CONNECTIONS = 10;

interface Row {
  name: string;
  result: Measured;
  note?: string;
}
const rows: Row[] = [];
const notes: string[] = [];

function gatehouseEnv(databaseUrl: string, workers: number, port: number, sessionCache = true): Record<string, string> {
  return {
    SESSION_CACHE: String(sessionCache),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    GATEHOUSE_SECRET: SECRET,
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    GATEHOUSE_WORKERS: String(workers),
    REDIS_URL: redisUrl,
  };
}

async function gatehouseSignUp(origin: string, email = EMAIL): Promise<string> {
  const response = await fetch(`${origin}/api/auth/register`, { method: 'POST', headers: { ...json, origin }, body: JSON.stringify({ email, password: PASSWORD }) });
  if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
  return cookieFrom(response, 'gatehouse_session');
}

console.log(`Benchmark: ${seconds} s per measurement after a 2 s warm-up; ${connections} connections for session checks, ${SIGN_IN_CONNECTIONS} for sign-in.`);

// 1. Gatehouse, one worker.
const gatehouseDb = await freshDatabase('bench_gatehouse');
let gatehouse = await startServer('dist/main.js', 4101, gatehouseEnv(gatehouseDb, 1, 4101));
const cookie = await gatehouseSignUp(gatehouse.origin);
const sessionRequest = (origin: string) => ({ url: `${origin}/api/auth/session`, headers: { cookie } });
const gatehouseSession = await measure(sessionRequest(gatehouse.origin));
rows.push({ name: 'Gatehouse session check (1 worker)', result: gatehouseSession });
const rssAfter: number[] = [rssMb(gatehouse.process.pid!)];
for (let i = 0; i < 4; i++) {
  await measure(sessionRequest(gatehouse.origin));
  rssAfter.push(rssMb(gatehouse.process.pid!));
}
notes.push(`Gatehouse worker RSS after each of 5 session-check runs: ${rssAfter.join(' → ')} MB`);

// The raw hash rate of the configured hasher, alone on the machine (the server idle), just before and
// just after sign-in is measured: this VM's speed drifts within minutes, so the rate sign-in is
// compared with is the mean of the two measured around it.
async function rawHashRate(): Promise<number> {
  const { stdout } = await run(process.execPath, ['bench/hash-rate.ts', String(seconds)]);
  return (JSON.parse(stdout) as { verifiesPerSecond: number }).verifiesPerSecond;
}
const loginRequest = (origin: string, email = EMAIL) => ({ url: `${origin}/api/auth/login`, method: 'POST' as const, headers: { ...json, origin }, body: JSON.stringify({ email, password: PASSWORD }) });
await gatehouseSignUp(gatehouse.origin, SIGN_IN_EMAIL);
const hashRateBefore = await rawHashRate();
const gatehouseSignIn = await measure(loginRequest(gatehouse.origin, SIGN_IN_EMAIL), SIGN_IN_CONNECTIONS);
const hashRateAfter = await rawHashRate();
const hashRate = (hashRateBefore + hashRateAfter) / 2;
rows.push({ name: 'Gatehouse sign-in (1 worker)', result: gatehouseSignIn });
notes.push(`Raw ${process.env.PASSWORD_HASHER || 'argon2id'} verifications/s just before and after sign-in: ${fmt(hashRateBefore, 1)} and ${fmt(hashRateAfter, 1)}`);
notes.push(`Gatehouse worker RSS after sign-in: ${rssMb(gatehouse.process.pid!)} MB`);

// Session check quiet vs during a sign-in storm, at the same connection count. The storm signs in
// to another account, as a rush of other users would (each sign-in of the checked user would also
// drop that user's cached sessions).
await gatehouseSignUp(gatehouse.origin, STORM_EMAIL);
const quiet = await measure(sessionRequest(gatehouse.origin), STORM_SESSION_CONNECTIONS);
const storm = autocannon({ ...loginRequest(gatehouse.origin, STORM_EMAIL), connections: SIGN_IN_CONNECTIONS, duration: seconds + 4 });
await new Promise((r) => setTimeout(r, 2000));
const during = await measure(sessionRequest(gatehouse.origin), STORM_SESSION_CONNECTIONS, seconds - 2);
await storm;
rows.push({ name: `Gatehouse session check, quiet (${STORM_SESSION_CONNECTIONS} conns)`, result: quiet });
rows.push({ name: `Gatehouse session check during sign-in storm`, result: during });
await gatehouse.stop();

// The same check with the session cache off: one indexed query per request, as on a cache miss.
gatehouse = await startServer('dist/main.js', 4105, gatehouseEnv(gatehouseDb, 1, 4105, false));
const uncached = await measure(sessionRequest(gatehouse.origin));
rows.push({ name: 'Gatehouse session check, cache off (1 worker)', result: uncached });
await gatehouse.stop();

// 2. Gatehouse, two workers.
gatehouse = await startServer('dist/main.js', 4102, gatehouseEnv(gatehouseDb, 2, 4102));
const twoWorkers = await measure(sessionRequest(gatehouse.origin));
rows.push({ name: 'Gatehouse session check (2 workers)', result: twoWorkers });
notes.push(`Gatehouse 2-worker RSS: ${childPids(gatehouse.process.pid!).map(rssMb).join(' + ')} MB`);
await gatehouse.stop();

// 3. The ceiling on Gatehouse's own tables.
const ceiling = await startServer('bench/servers/ceiling.ts', 4103, { BENCH_DATABASE_URL: gatehouseDb });
const ceilingResult = await measure(sessionRequest(ceiling.origin));
rows.push({ name: 'Ceiling: bare Fastify + one indexed query', result: ceilingResult });
await ceiling.stop();

// 4. Better Auth.
const betterAuthDb = await freshDatabase('bench_better_auth');
const betterAuth = await startServer('bench/servers/better-auth.ts', 4104, { BENCH_DATABASE_URL: betterAuthDb });
const signUp = await fetch(`${betterAuth.origin}/api/auth/sign-up/email`, { method: 'POST', headers: { ...json, origin: betterAuth.origin }, body: JSON.stringify({ email: EMAIL, password: PASSWORD, name: 'Bench' }) });
if (!signUp.ok) throw new Error(`better-auth sign-up: ${signUp.status} ${await signUp.text()}`);
const betterAuthCookie = cookieFrom(signUp, 'better-auth.session_token');
const peerSession = await measure({ url: `${betterAuth.origin}/api/auth/get-session`, headers: { cookie: betterAuthCookie } });
rows.push({ name: 'Better Auth get-session', result: peerSession });
const peerSignIn = await measure({ url: `${betterAuth.origin}/api/auth/sign-in/email`, method: 'POST', headers: { ...json, origin: betterAuth.origin }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) }, SIGN_IN_CONNECTIONS);
rows.push({ name: 'Better Auth sign-in', result: peerSignIn });
await betterAuth.stop();

console.log('\n| measurement | requests/s | p50 ms | p99 ms | errors |');
console.log('|---|---:|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.name} | ${fmt(row.result.rps)} | ${row.result.p50} | ${row.result.p99} | ${row.result.errors} |`);

const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${fmt(a / b, 2)}×`);
console.log('\n| ratio | value | target |');
console.log('|---|---:|---|');
console.log(`| Gatehouse / Better Auth, session requests/s | ${ratio(gatehouseSession.rps, peerSession.rps)} | ≥ 5× |`);
console.log(`| Gatehouse / Better Auth, session p99 | ${ratio(gatehouseSession.p99, peerSession.p99)} | ≤ 0.25× |`);
console.log(`| Gatehouse / ceiling, session requests/s (1 worker) | ${ratio(gatehouseSession.rps, ceilingResult.rps)} | ≥ 0.80× |`);
console.log(`| Gatehouse with the cache off / ceiling, session requests/s | ${ratio(uncached.rps, ceilingResult.rps)} | — |`);
console.log(`| Gatehouse sign-in/s / raw ${process.env.PASSWORD_HASHER || 'argon2id'} verifications/s (${fmt(hashRate, 1)}/s) | ${ratio(gatehouseSignIn.rps, hashRate)} | ≥ 0.90× |`);
console.log(`| Session p99 during sign-in storm / quiet | ${ratio(during.p99, quiet.p99)} | ≤ 2× |`);
console.log(`| 2 workers / 1 worker, session requests/s | ${ratio(twoWorkers.rps, gatehouseSession.rps)} | — |`);
console.log('');
for (const note of notes) console.log(`- ${note}`);
