// A real SMTP server on 127.0.0.1 for the email tests: the app sends
// through it with SMTP_URL exactly as it would through a provider, and every message that arrives
// is kept raw and parsed with mailparser, so a test reads what a mail client would show.
import { freePort } from './ports.ts';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { TestApp } from './app.ts';

export const MAIL_FROM_ADDRESS = 'no-reply@gatehouse.test';
export const MAIL_FROM = `Gatehouse Security <${MAIL_FROM_ADDRESS}>`;

/**
 * A self-signed certificate for localhost / 127.0.0.1 (P-256, valid to 2126), only for the TLS
 * tests of the mail transport; the client is told not to check it (?tls.rejectUnauthorized=false).
 */
export const TEST_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZ8I4CCsNTMt956MS
Esyq+st2JjaGlZmMadMPKBP/LyGhRANCAAR6r80QLZNKoFFaipLpHUS0OAnh4Suz
XyeglsfolCCDbImVIkSVgIa3NkZMyB28OZD/npDMi8XId2onh7gJW1hi
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUeTDRxcTs/KJ2QEfoKgqjPDNSCMQwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzA4MDEzN1oYDzIxMjYxMDMw
MDgwMTM3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAR6r80QLZNKoFFaipLpHUS0OAnh4SuzXyeglsfolCCDbImVIkSVgIa3
NkZMyB28OZD/npDMi8XId2onh7gJW1hio28wbTAdBgNVHQ4EFgQULQO0SszkinPR
JBx3WtO2/zzsBscwHwYDVR0jBBgwFoAULQO0SszkinPRJBx3WtO2/zzsBscwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhAK+VNNx4HznxQnNkDApfIw9mHtQARQPq7XB7ZIF/JUgiAiEA
hDWdCWWGXU17SQ5t+cJUjzaVh4cEjQctllh/n9Z7m7E=
-----END CERTIFICATE-----
`,
};

/** One message as it arrived: the SMTP envelope, the parsed headers and both bodies. */
export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  /** The From header's address, and the header as written ("Name <address>"). */
  from: string;
  fromHeader: string;
  /** The To header's addresses. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
  parsed: ParsedMail;
  /** The SMTP user the client authenticated as, if any. */
  authenticatedUser: string | undefined;
  /** True when the message travelled over TLS (smtps:// or after STARTTLS). */
  secure: boolean;
}

export interface SmtpServerOptions {
  /** Listen on this port (0, the default, picks a free one). */
  port?: number;
  /** Credentials the server insists on; without them any client may send. */
  user?: string;
  password?: string;
  /** 'implicit' is smtps:// (TLS from the first byte); 'starttls' offers STARTTLS on a plain port. */
  tls?: 'none' | 'implicit' | 'starttls';
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((entry) => entry.value.map((v) => (v.address ?? '').toLowerCase())).filter(Boolean);
}

export async function parseMail(raw: string | Buffer): Promise<ParsedMail> {
  return simpleParser(raw);
}

export class TestSmtpServer {
  readonly mails: ReceivedMail[] = [];
  /** Usernames whose AUTH was refused. */
  readonly refusedLogins: string[] = [];
  private readonly taken = new Set<ReceivedMail>();
  private readonly server: SMTPServer;
  readonly port: number;
  private readonly options: SmtpServerOptions;

  private constructor(server: SMTPServer, port: number, options: SmtpServerOptions) {
    this.server = server;
    this.port = port;
    this.options = options;
  }

  static async start(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
    const tls = options.tls ?? 'none';
    const requireAuth = options.user !== undefined;
    let instance: TestSmtpServer | undefined;
    const pending: Promise<void>[] = [];
    const serverOptions: SMTPServerOptions = {
      secure: tls === 'implicit',
      ...(tls !== 'none' ? { key: TEST_TLS.key, cert: TEST_TLS.cert } : {}),
      disabledCommands: tls === 'starttls' ? [] : ['STARTTLS'],
      authOptional: !requireAuth,
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (!requireAuth || (auth.username === options.user && auth.password === options.password)) {
          callback(null, { user: auth.username });
          return;
        }
        instance?.refusedLogins.push(auth.username ?? '');
        callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const work = parseMail(raw).then((parsed) => {
            instance?.mails.push({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: addresses(parsed.from)[0] ?? '',
              fromHeader: parsed.from?.text ?? '',
              to: addresses(parsed.to),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw: raw.toString('utf8'),
              parsed,
              authenticatedUser: typeof session.user === 'string' ? session.user : undefined,
              secure: session.secure,
            });
          });
          pending.push(work);
          work.then(() => callback(), (error: Error) => callback(error));
        });
      },
    };
    const server = new SMTPServer(serverOptions);
    server.on('error', () => {}); // a client that hangs up mid-command is not the test's business
    const port = await new Promise<number>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        const address = server.server.address();
        if (address === null || typeof address === 'string') reject(new Error('SMTP server has no port'));
        else resolve(address.port);
      });
    });
    instance = new TestSmtpServer(server, port, options);
    return instance;
  }

  /** smtp://user:pass@127.0.0.1:port (smtps:// for implicit TLS) with the server's own credentials. */
  get url(): string {
    return this.urlWith(this.options.user ?? 'gatehouse', this.options.password ?? 'unused-password');
  }

  urlWith(user: string, password: string): string {
    const scheme = this.options.tls === 'implicit' ? 'smtps' : 'smtp';
    const query = this.options.tls && this.options.tls !== 'none' ? '?tls.rejectUnauthorized=false' : '';
    return `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}${query}`;
  }

  /** Every message that arrived for this address (in the To header or the envelope). */
  mailsTo(address: string): ReceivedMail[] {
    const wanted = address.toLowerCase();
    return this.mails.filter((m) => m.to.includes(wanted) || m.envelopeTo.includes(wanted));
  }

  /**
   * Resolves with the first message that matches and that no earlier call returned (so asking
   * twice for "the reset mail to X" gives the first, then the second). Polls; the timeout is only
   * a bound on waiting for asynchronous delivery, never something a test asserts on.
   */
  async waitForMail(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 20_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mails.find((m) => !this.taken.has(m) && predicate(m));
      if (found) {
        this.taken.add(found);
        return found;
      }
      if (Date.now() > deadline) {
        const seen = this.mails.map((m) => `${m.to.join(',')}: ${m.subject}`).join('\n  ');
        throw new Error(`no matching mail arrived within ${timeoutMs} ms; received:\n  ${seen || '(nothing)'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Shorthand: the next message to this address whose subject matches. */
  nextMailTo(address: string, subject: RegExp, timeoutMs?: number): Promise<ReceivedMail> {
    const wanted = address.toLowerCase();
    return this.waitForMail((m) => (m.to.includes(wanted) || m.envelopeTo.includes(wanted)) && subject.test(m.subject), timeoutMs);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const startSmtpServer = (options?: SmtpServerOptions): Promise<TestSmtpServer> => TestSmtpServer.start(options);

/** A port nothing listens on (bound once, then released), for the "mail server is down" tests. */
export const closedPort = freePort;

/** The env that points an app at this server; the queue worker polls every 50 ms. */
export function smtpEnv(server: TestSmtpServer, extra: Record<string, string> = {}): Record<string, string> {
  return { SMTP_URL: server.url, MAIL_FROM, MAIL_POLL_INTERVAL_MS: '50', ...extra };
}

/** The link to `PUBLIC_URL<page>?token=…` in a message's text, with its token; throws if absent. */
export function linkIn(mail: Pick<ReceivedMail, 'text' | 'subject'>, page: string): { url: string; token: string } {
  const pattern = new RegExp(`(http://localhost:3000${page.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\?token=([A-Za-z0-9_%-]+))`);
  const match = pattern.exec(mail.text);
  if (!match?.[1] || !match[2]) throw new Error(`no ${page} link in the mail "${mail.subject}":\n${mail.text}`);
  return { url: match[1], token: decodeURIComponent(match[2]) };
}

/** The token with one character changed (same length and alphabet, so it passes validation). */
export function tamper(token: string): string {
  const index = Math.floor(token.length / 2);
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

/** Mail rows not yet sent (or given up on). */
export async function pendingMailCount(t: TestApp): Promise<number> {
  const row = await t.ctx.db
    .selectFrom('mail_queue')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Waits until the queue holds nothing unsent: after this, every message the app had queued has
 * reached the SMTP server, so "no such mail arrived" is a statement about what was queued.
 */
export async function waitForQueueDrained(t: TestApp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await pendingMailCount(t)) > 0) {
    if (Date.now() > deadline) throw new Error(`mail queue still holds ${await pendingMailCount(t)} unsent messages after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How many messages of this kind the app has queued so far (sent or not). */
export async function queuedCount(t: TestApp, kind: string): Promise<number> {
  const row = await t.ctx.db
    .selectFrom('mail_queue')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Polls until the condition holds (for asynchronous effects); never asserts on the time it took. */
export async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
