// The peer: Better Auth with email+password and its two-factor plugin, on node:http, through its
// Kysely/pg adapter, rate limiting off. Started by bench/compare.ts as its own process.
//   BENCH_DATABASE_URL=postgres://… PORT=… node bench/servers/better-auth.ts
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { twoFactor } from 'better-auth/plugins';
import pg from 'pg';

const port = Number(process.env.PORT);
const origin = `http://127.0.0.1:${port}`;
const auth = betterAuth({
  database: new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 }),
  secret: 'bench-secret-bench-secret-bench-secret-0123',
  baseURL: origin,
  trustedOrigins: [origin],
  emailAndPassword: { enabled: true },
  plugins: [twoFactor()],
  rateLimit: { enabled: false },
  logger: { level: 'error' },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
createServer(toNodeHandler(auth)).listen(port, '127.0.0.1', () => console.log(`better-auth listening on ${origin}`));
