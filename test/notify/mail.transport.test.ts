// Mail delivery (README: SMTP_URL / MAIL_FROM; security.md §10): without SMTP_URL every message is
// an RFC 5322 .eml file in <data dir>/outbox/mail/; with it, nodemailer sends over SMTP (plain,
// smtps://, STARTTLS, with the credentials in the URL). Sending never breaks the request that
// caused it: messages wait sealed in the database queue, failures are retried with growing delays
// and logged, and a sent message's sealed copy is dropped.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.ts';
import { deliverDueMail } from '../../src/jobs/mail-queue.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedUpBrowser } from '../support/client.ts';
import { databaseKinds } from '../support/databases.ts';
import { closedPort, eventually, linkIn, MAIL_FROM, MAIL_FROM_ADDRESS, parseMail, smtpEnv, startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';
import { describeOnEachDatabase } from '../support/suites.ts';

const VERIFY_SUBJECT = /Confirm your email address/;

function outboxDir(t: TestApp): string {
  return path.join(t.ctx.config.dataDir, 'outbox', 'mail');
}

function outboxFiles(t: TestApp): string[] {
  const dir = outboxDir(t);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.eml')).sort() : [];
}

async function queueRows(t: TestApp) {
  return t.ctx.db.selectFrom('mail_queue').selectAll().orderBy('created_at').execute();
}

/** The one queued verification message, once the worker has tried it at least `attempts` times. */
async function verificationRow(t: TestApp, attempts: number) {
  return eventually(`a verification mail tried ${attempts} time(s)`, async () => {
    const row = await t.ctx.db.selectFrom('mail_queue').selectAll().where('kind', '=', 'email_verification').executeTakeFirst();
    return row && row.attempts >= attempts && row.last_error !== null && row.locked_until === null ? row : null;
  });
}

describeOnEachDatabase('mail outbox without SMTP_URL', { env: { MAIL_FROM, MAIL_POLL_INTERVAL_MS: '50' }, rateLimits: { mailsPerIpPerHour: 1000 } }, (t) => {
  it('writes one .eml file per message under <data dir>/outbox/mail/, each an RFC 5322 message with From, To, Subject, a text and an HTML part', async () => {
    assert.equal(t.ctx.config.smtpUrl, undefined);
    const before = outboxFiles(t).length;
    const { client, email } = await signedUpBrowser(t.app);
    await eventually('the first .eml file', async () => outboxFiles(t).length === before + 1);
    assert.equal((await client.post('/api/auth/email/verify/request')).statusCode, 202);
    const files = await eventually('the second .eml file', async () => (outboxFiles(t).length === before + 2 ? outboxFiles(t) : null));

    const tokens: string[] = [];
    for (const name of files.slice(before)) {
      const raw = readFileSync(path.join(outboxDir(t), name), 'utf8');
      // One message per file: a single header block with one From, one Message-ID.
      assert.equal(raw.match(/^From: /gm)?.length, 1, `one From header in ${name}`);
      assert.equal(raw.match(/^Message-ID: /gim)?.length, 1, `one Message-ID in ${name}`);
      const parsed = await parseMail(raw);
      assert.equal(parsed.from?.value[0]?.address, MAIL_FROM_ADDRESS, 'From is MAIL_FROM');
      assert.equal(parsed.from?.value[0]?.name, 'Gatehouse Security');
      const to = Array.isArray(parsed.to) ? parsed.to : [parsed.to];
      assert.deepEqual(to.flatMap((a) => a?.value.map((v) => v.address)), [email]);
      assert.match(parsed.subject ?? '', /^Gatehouse: Confirm your email address$/);
      assert.ok(parsed.date instanceof Date && !Number.isNaN(parsed.date.getTime()), 'a Date header (RFC 5322 3.6.1)');
      assert.ok(parsed.messageId, 'a Message-ID');
      assert.match(raw, /^Content-Type: multipart\/alternative/im);
      assert.ok(parsed.text && parsed.text.length > 0, 'a text part');
      assert.ok(typeof parsed.html === 'string' && parsed.html.length > 0, 'an HTML part');
      const { url, token } = linkIn({ text: parsed.text, subject: parsed.subject ?? '' }, '/verify-email');
      assert.ok((parsed.html as string).includes(url));
      tokens.push(token);
    }
    assert.notEqual(tokens[0], tokens[1], 'two different messages, two different links');
    // The newest link from the outbox works, exactly as one from a mailbox would.
    const newest = tokens[1]!;
    assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token: newest })).statusCode, 200);
    assert.equal((await client.get('/api/auth/session')).json().user.emailVerified, true);

    const logs = t.logs.join('');
    for (const token of tokens) assert.ok(!logs.includes(token), 'the link is not logged (security.md §10)');
    const rows = await queueRows(t);
    assert.ok(rows.length >= 2);
    for (const row of rows) {
      assert.notEqual(row.sent_at, null, 'marked sent');
      assert.equal(row.payload_encrypted, '', 'the sealed copy is dropped once written');
    }
  });
});

for (const kind of databaseKinds) {
  describe(`mail queue when the SMTP server is down (${kind})`, () => {
    let t: TestApp;
    let port: number;
    let smtp: TestSmtpServer | undefined;
    before(async () => {
      port = await closedPort();
      t = await createTestApp(kind, { env: { SMTP_URL: `smtp://gatehouse:queue-pass@127.0.0.1:${port}`, MAIL_FROM, MAIL_POLL_INTERVAL_MS: '50' } });
    });
    after(async () => {
      await t.close();
      await smtp?.close();
    });

    it('the request succeeds, the failure is recorded with a later retry that backs off, the payload stays sealed, and the mail arrives once the server is up', async () => {
      const { client, email } = await signedUpBrowser(t.app);
      assert.equal((await client.get('/api/auth/session')).statusCode, 200, 'the request that queued the mail succeeded');

      const first = await verificationRow(t, 1);
      assert.equal(first.sent_at, null);
      assert.equal(first.failed_at, null);
      assert.match(first.last_error ?? '', /ECONNREFUSED|connect/i);
      const firstDelay = first.next_attempt_at.getTime() - t.clock.now().getTime();
      assert.ok(firstDelay > 0, 'the next attempt is later');
      const sealed = first.payload_encrypted;
      assert.ok(sealed.length > 0);
      for (const clear of [email, 'verify-email', 'token=', 'Confirm your email', 'Gatehouse']) {
        assert.ok(!sealed.includes(clear), `the queued payload shows "${clear}" in clear`);
      }

      // Not due yet: still exactly one attempt. Due: a second attempt, with a longer delay after it.
      t.clock.advance(firstDelay / 1000 + 1);
      const second = await verificationRow(t, 2);
      assert.equal(second.attempts, 2);
      const secondDelay = second.next_attempt_at.getTime() - t.clock.now().getTime();
      assert.ok(secondDelay > firstDelay, `backoff grows: ${firstDelay} ms then ${secondDelay} ms`);
      assert.ok(t.logs.some((line) => line.includes('mail delivery failed; will retry')), 'the failure is logged');

      smtp = await startSmtpServer({ port, user: 'gatehouse', password: 'queue-pass' });
      t.clock.advance(secondDelay / 1000 + 1);
      const mail = await smtp.nextMailTo(email, VERIFY_SUBJECT);
      const { token } = linkIn(mail, '/verify-email');
      assert.ok(!sealed.includes(token), 'the token was never in the database in clear');
      assert.equal((await new Client(t.app).post('/api/auth/email/verify', { token })).statusCode, 200, 'the late link works');

      const sent = await eventually('the row marked sent', async () => {
        const row = await t.ctx.db.selectFrom('mail_queue').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
        return row.sent_at ? row : null;
      });
      assert.equal(sent.payload_encrypted, '', 'once sent, the sealed copy is emptied');
      assert.equal(sent.last_error, null);
      assert.equal(sent.attempts, 3);
      assert.ok(!t.logs.join('').includes(token), 'no log line holds the link');
      assert.ok(!t.logs.join('').includes('queue-pass'), 'no log line holds the SMTP password');
    });
  });

  describe(`mail queue survives a restart (${kind})`, () => {
    let t: TestApp;
    let smtp: TestSmtpServer;
    before(async () => {
      smtp = await startSmtpServer({ user: 'gatehouse', password: 'restart-pass' });
      t = await createTestApp(kind, { env: { SMTP_URL: `smtp://gatehouse:restart-pass@127.0.0.1:${await closedPort()}`, MAIL_FROM, MAIL_POLL_INTERVAL_MS: '50' } });
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    it('a message queued while mail was down is delivered by the next instance started on the same database', async () => {
      const { email } = await signedUpBrowser(t.app);
      const queued = await verificationRow(t, 1);
      await t.app.close(); // this instance stops; the database (and the queue in it) stays

      const logs: string[] = [];
      const next = await buildApp({
        config: { ...t.ctx.config, smtpUrl: smtp.url },
        clock: t.clock,
        database: t.database.handle,
        logStream: new Writable({ write: (chunk, _encoding, done) => (logs.push(String(chunk)), done()) }),
      });
      try {
        await next.app.ready();
        t.clock.advance((queued.next_attempt_at.getTime() - t.clock.now().getTime()) / 1000 + 1);
        const mail = await smtp.nextMailTo(email, VERIFY_SUBJECT);
        assert.equal(mail.authenticatedUser, 'gatehouse');
        const { token } = linkIn(mail, '/verify-email');
        assert.equal((await new Client(next.app).post('/api/auth/email/verify', { token })).statusCode, 200);
      } finally {
        await next.app.close();
      }
    });
  });

  describe(`mail queue shared by two instances (${kind})`, () => {
    let t: TestApp;
    let smtp: TestSmtpServer;
    before(async () => {
      smtp = await startSmtpServer({ user: 'gatehouse', password: 'shared-pass' });
      t = await createTestApp(kind, { env: smtpEnv(smtp) });
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    it('two instances polling one database send every message exactly once', async () => {
      const other = await buildApp({
        config: t.ctx.config,
        clock: t.clock,
        database: t.database.handle,
        logStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
      });
      try {
        await other.app.ready();
        const emails: string[] = [];
        for (let i = 0; i < 12; i++) emails.push((await signedUpBrowser(i % 2 === 0 ? t.app : other.app)).email);
        for (const email of emails) await smtp.nextMailTo(email, VERIFY_SUBJECT);
        await eventually('every row sent', async () => (await queueRows(t)).every((row) => row.sent_at !== null));
        for (const email of emails) assert.equal(smtp.mailsTo(email).length, 1, `exactly one mail to ${email}`);
        const rows = await queueRows(t);
        assert.equal(rows.length, 12);
        assert.deepEqual(rows.map((row) => row.attempts), rows.map(() => 1), 'no message was claimed twice');
      } finally {
        await other.app.close();
      }
    });
  });
}

describeOnEachDatabase('mail queue gives up after repeated failures', async () => ({ env: { SMTP_URL: `smtp://gatehouse:x@127.0.0.1:${await closedPort()}`, MAIL_FROM, MAIL_POLL_INTERVAL_MS: '50' } }), (t) => {
  it('after repeated failures the message is marked failed, its sealed copy dropped, and an error logged', async () => {
    await signedUpBrowser(t.app);
    let row = await verificationRow(t, 1);
    for (let i = 0; i < 30 && row.failed_at === null; i++) {
      const attempts = row.attempts;
      t.clock.advance((row.next_attempt_at.getTime() - t.clock.now().getTime()) / 1000 + 1);
      row = await eventually('another attempt', async () => {
        const next = await t.ctx.db.selectFrom('mail_queue').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
        return (next.attempts > attempts && next.locked_until === null) || next.failed_at ? next : null;
      });
    }
    assert.notEqual(row.failed_at, null, `given up after ${row.attempts} attempts`);
    assert.ok(row.attempts >= 3, `retried ${row.attempts} times before giving up`);
    assert.equal(row.payload_encrypted, '', 'the sealed copy of an undeliverable message is dropped');
    assert.equal(row.sent_at, null);
    assert.ok(t.logs.some((line) => line.includes('"level":50') && line.includes('mail dropped')), 'an error is logged');
    // Given up means given up: a later pass leaves it alone.
    t.clock.advance(7 * 86400);
    assert.equal(await deliverDueMail(t.ctx, t.app.log), 0);
    const later = await t.ctx.db.selectFrom('mail_queue').select('attempts').where('id', '=', row.id).executeTakeFirstOrThrow();
    assert.equal(later.attempts, row.attempts);
  });
});

for (const kind of databaseKinds) {
  describe(`SMTP authentication (${kind})`, () => {
    let smtp: TestSmtpServer;
    let wrong: TestApp;
    let right: TestApp;
    before(async () => {
      smtp = await startSmtpServer({ user: 'mailer', password: 'right-smtp-password' });
      wrong = await createTestApp(kind, { env: { SMTP_URL: smtp.urlWith('mailer', 'wrong-smtp-password'), MAIL_FROM, MAIL_POLL_INTERVAL_MS: '50' } });
      right = await createTestApp(kind, { env: smtpEnv(smtp) });
    });
    after(async () => {
      await wrong.close();
      await right.close();
      await smtp.close();
    });

    it('wrong credentials are refused: the mail stays queued with the error; right credentials deliver', async () => {
      const refused = await signedUpBrowser(wrong.app);
      const row = await verificationRow(wrong, 1);
      assert.equal(row.sent_at, null);
      assert.equal(row.failed_at, null, 'still queued for a retry');
      assert.match(row.last_error ?? '', /auth|login|535/i);
      assert.ok(smtp.refusedLogins.includes('mailer'), 'the server refused the login');
      assert.deepEqual(smtp.mailsTo(refused.email), [], 'nothing was accepted');
      assert.ok(!wrong.logs.join('').includes('wrong-smtp-password'), 'the SMTP password is not logged');

      const accepted = await signedUpBrowser(right.app);
      const mail = await smtp.nextMailTo(accepted.email, VERIFY_SUBJECT);
      assert.equal(mail.authenticatedUser, 'mailer');
      assert.equal(mail.from, MAIL_FROM_ADDRESS);
      assert.equal(mail.envelopeFrom, MAIL_FROM_ADDRESS, 'the envelope sender is MAIL_FROM too');
      assert.ok(!right.logs.join('').includes('right-smtp-password'), 'the SMTP password is not logged');
    });
  });

  describe(`SMTP over TLS (${kind})`, () => {
    let implicit: TestSmtpServer;
    let starttls: TestSmtpServer;
    let overSmtps: TestApp;
    let overStarttls: TestApp;
    before(async () => {
      implicit = await startSmtpServer({ tls: 'implicit', user: 'mailer', password: 'tls-password' });
      starttls = await startSmtpServer({ tls: 'starttls', user: 'mailer', password: 'tls-password' });
      overSmtps = await createTestApp(kind, { env: smtpEnv(implicit) });
      overStarttls = await createTestApp(kind, { env: smtpEnv(starttls) });
    });
    after(async () => {
      await overSmtps.close();
      await overStarttls.close();
      await implicit.close();
      await starttls.close();
    });

    it('smtps:// sends over TLS from the first byte', async () => {
      assert.match(overSmtps.ctx.config.smtpUrl ?? '', /^smtps:\/\//);
      const { email } = await signedUpBrowser(overSmtps.app);
      const mail = await implicit.nextMailTo(email, VERIFY_SUBJECT);
      assert.equal(mail.secure, true);
      assert.equal(mail.authenticatedUser, 'mailer');
    });

    it('smtp:// upgrades with STARTTLS when the server offers it', async () => {
      assert.match(overStarttls.ctx.config.smtpUrl ?? '', /^smtp:\/\//);
      const { email } = await signedUpBrowser(overStarttls.app);
      const mail = await starttls.nextMailTo(email, VERIFY_SUBJECT);
      assert.equal(mail.secure, true, 'the message travelled after STARTTLS');
      assert.equal(mail.authenticatedUser, 'mailer');
    });
  });
}
