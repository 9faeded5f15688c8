// `npm test`: every test file under node's test runner. When TEST_DATABASE_URL is unset, this run
// gets a PostgreSQL database of its own on the local server (named from TEST_DB_PREFIX) and drops
// it afterwards, so a fresh machine needs no manual step.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDbPrefix } from './support/db-prefix.ts';

const serverUrl = process.env.TEST_POSTGRES_SERVER_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${serverUrl} (set TEST_DATABASE_URL or TEST_POSTGRES_SERVER_URL): ${(error as Error).message}`);
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function runTests(env: NodeJS.ProcessEnv): Promise<number> {
  const files = process.argv.slice(2);
  const args = ['--test', '--test-concurrency=2', ...(files.length > 0 ? files : ['test/**/*.test.ts'])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let code: number;
if (process.env.TEST_DATABASE_URL || process.env.TEST_DATABASES === 'pglite') {
  code = await runTests(process.env);
} else {
  const name = `${testDbPrefix}_run_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    code = await runTests({ ...process.env, TEST_DATABASE_URL: url.toString() });
  } finally {
    await admin(`drop database if exists ${name} with (force)`);
  }
}
process.exitCode = code;
