// A second Gatehouse instance on a test app's database, as another process would run it: on
// PostgreSQL with a connection pool (and session cache) of its own, on PGlite sharing the one
// embedded database. Its config is the first one's with the given changes (another secret, say);
// it shares the first one's clock.
import { buildApp, type BuiltApp } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import type { TestApp } from './app.ts';
import { postgresUrl } from './databases.ts';

export interface SecondInstance extends BuiltApp {
  close(): Promise<void>;
}

export async function secondInstance(first: TestApp, changes: Partial<Config> = {}): Promise<SecondInstance> {
  const ownPool = first.database.schema ? await openDatabase({ databaseUrl: postgresUrl, searchPath: first.database.schema, poolSize: 4 }) : null;
  const config: Config = { ...first.ctx.config, logLevel: 'warn', ...changes };
  const built = await buildApp({ config, clock: first.clock, database: ownPool ?? first.database.handle });
  await built.app.ready();
  return {
    ...built,
    close: async () => {
      await built.app.close();
      await ownPool?.close();
    },
  };
}
