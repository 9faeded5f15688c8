// A suite declared once runs on every database kind (databases.ts): one `describe` per kind, named
// "<name> (<kind>)", each with an app of its own built before its tests and closed after them.
import { after, before, describe } from 'node:test';
import { createTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { databaseKinds, type DatabaseKind } from './databases.ts';
import { smtpEnv, startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from './smtp.ts';

type SuiteBody = (t: TestApp, kind: DatabaseKind) => void;
/** The app's options, or a function that works them out when each app is built. */
type AppOptions = TestAppOptions | (() => Promise<TestAppOptions>);

/**
 * A stand-in for a value made in a `before` hook, usable in the suite body where that value does
 * not exist yet: every property read, write and method call goes to the value once `bind` has set it.
 */
export function lateBound<T extends object>(what: string): { value: T; bind(real: T): void } {
  let real: T | undefined;
  const target = (): T => {
    if (real === undefined) throw new Error(`${what} is used before its before() hook made it`);
    return real;
  };
  const value = new Proxy({} as T, {
    get(_, property) {
      const found: unknown = Reflect.get(target(), property);
      return typeof found === 'function' ? found.bind(target()) : found;
    },
    set: (_, property, newValue) => Reflect.set(target(), property, newValue),
    has: (_, property) => Reflect.has(target(), property),
  });
  return { value, bind: (made) => (real = made) };
}

/**
 * `body` runs once per database kind, inside that kind's describe, with the app `t`. Hooks the body
 * adds run after the app is built and before it is closed.
 */
export function describeOnEachDatabase(name: string, body: SuiteBody): void;
export function describeOnEachDatabase(name: string, options: AppOptions, body: SuiteBody): void;
export function describeOnEachDatabase(name: string, ...args: [SuiteBody] | [AppOptions, SuiteBody]): void {
  const [options, body] = args.length === 1 ? [{}, args[0]] : args;
  for (const kind of databaseKinds) {
    describe(`${name} (${kind})`, () => {
      const app = lateBound<TestApp>('the suite app');
      before(async () => app.bind(await createTestApp(kind, typeof options === 'function' ? await options() : options)));
      body(app.value, kind);
      after(() => app.value.close());
    });
  }
}

export interface MailSuiteOptions extends TestAppOptions {
  /** How the test SMTP server is started (credentials, TLS). */
  server?: SmtpServerOptions;
}

/**
 * As describeOnEachDatabase, with a test SMTP server started before the app and closed after it;
 * the app sends its mail there (smtpEnv), `options.env` on top.
 */
export function describeWithMailOnEachDatabase(name: string, options: MailSuiteOptions, body: (t: TestApp, smtp: TestSmtpServer, kind: DatabaseKind) => void): void {
  const { server, env, ...appOptions } = options;
  for (const kind of databaseKinds) {
    describe(`${name} (${kind})`, () => {
      const smtp = lateBound<TestSmtpServer>('the suite SMTP server');
      const app = lateBound<TestApp>('the suite app');
      before(async () => {
        smtp.bind(await startSmtpServer(server));
        app.bind(await createTestApp(kind, { ...appOptions, env: smtpEnv(smtp.value, env) }));
      });
      body(app.value, smtp.value, kind);
      after(async () => {
        await app.value.close();
        await smtp.value.close();
      });
    });
  }
}
