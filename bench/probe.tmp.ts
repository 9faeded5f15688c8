import { cookieFrom, freshDatabase, measure, PASSWORD, redisUrl, rssMb, SECRET, startServer } from './lib.ts';
const db = await freshDatabase('bench_probe');
const port = 4111;
const extra = JSON.parse(process.env.PROBE_ENV || '{}');
const s = await startServer(process.env.PROBE_SCRIPT || 'dist/main.js', port, { PUBLIC_URL: `http://127.0.0.1:${port}`, DATABASE_URL: db, BENCH_DATABASE_URL: db, GATEHOUSE_SECRET: SECRET, RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'production', GATEHOUSE_WORKERS: '1', REDIS_URL: redisUrl, ...extra });
let cookie = process.env.PROBE_COOKIE;
const origin = s.origin;
const r = await fetch(`${origin}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ email: 'p@example.com', password: PASSWORD }) });
cookie = cookieFrom(r, 'gatehouse_session');
console.log('rss after register', rssMb(s.process.pid!));
for (const c of (process.env.PROBE_CONNS || '10,50').split(',').map(Number)) {
  const m = await measure({ url: `${origin}/api/auth/session`, headers: { cookie } }, c);
  console.log(c, 'conns', JSON.stringify(m), 'rss', rssMb(s.process.pid!));
}
await s.stop();
