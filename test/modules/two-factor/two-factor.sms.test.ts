// Text-message codes (phone in E.164; docs/api.md, Two-factor enrolment; security.md §4, §6): enrol
// a phone, confirm it with a 6-digit code, use it at sign-in through POST /api/auth/login/2fa/sms.
// Codes are hashed, live 5 minutes, work once, belong to the challenge they were sent for, and
// sending is rate limited. Two transports: the outbox (default, JSON files under
// <data dir>/outbox/sms/) and Twilio's Messages API, here spoken by a small local HTTP server —
// the one fake these tests use.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { createTestApp, TEST_SECRET, type TestApp } from '../../support/app.ts';
import { Client, FIREFOX_LINUX, signedUpBrowser } from '../../support/client.ts';
import { databaseKinds } from '../../support/databases.ts';
import { describeOnEachDatabase } from '../../support/suites.ts';
import { enrolTotp } from '../../support/two-factor.ts';

const PHONE = '+447911123456';
const SIX_DIGITS = /(?<!\d)(\d{6})(?!\d)/;

interface Sms {
  file: string;
  to: string;
  body: string;
}

function outboxDir(t: TestApp): string {
  return path.join(t.ctx.config.dataDir, 'outbox', 'sms');
}

/** Every message in the outbox, by file name. */
async function outbox(t: TestApp): Promise<Map<string, Sms>> {
  let names: string[];
  try {
    names = await readdir(outboxDir(t));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const messages = new Map<string, Sms>();
  for (const name of names) {
    const parsed = JSON.parse(await readFile(path.join(outboxDir(t), name), 'utf8')) as { to: string; body: string };
    messages.set(name, { file: name, to: parsed.to, body: parsed.body });
  }
  return messages;
}

/** Messages written since the snapshot. */
async function sentSince(t: TestApp, snapshot: Map<string, Sms>): Promise<Sms[]> {
  return [...(await outbox(t)).values()].filter((m) => !snapshot.has(m.file));
}

function codeIn(body: string): string {
  const match = SIX_DIGITS.exec(body);
  assert.ok(match?.[1], `a 6-digit code in "${body}"`);
  return match[1];
}

/** A 6-digit code that is certainly not `code`. */
function otherThan(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** Runs the action and returns the code of the one message it texted to `to`. */
async function expectOneSms(t: TestApp, to: string, action: () => Promise<unknown>): Promise<string> {
  const snapshot = await outbox(t);
  await action();
  const sent = await sentSince(t, snapshot);
  assert.equal(sent.length, 1, `exactly one message sent, got ${JSON.stringify(sent)}`);
  assert.equal(sent[0]!.to, to);
  return codeIn(sent[0]!.body);
}

describeOnEachDatabase('two-factor by text message, outbox transport', (t) => {
  async function enableSms(client: Client, phoneNumber = PHONE): Promise<string> {
    return expectOneSms(t, phoneNumber, async () => {
      const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber });
      assert.equal(response.statusCode, 200, response.body);
    });
  }

  /** A signed-up user whose phone is confirmed; returns the backup codes from the confirmation. */
  async function smsUser() {
    const account = await signedUpBrowser(t.app);
    const code = await enableSms(account.client);
    const verify = await account.client.post('/api/auth/2fa/sms/verify', { code });
    assert.equal(verify.statusCode, 200, verify.body);
    return { ...account, backupCodes: verify.json().backupCodes as string[] };
  }

  async function challenge(email: string, password: string, client = new Client(t.app)) {
    const response = await client.post('/api/auth/login', { email, password });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().twoFactorRequired, true, response.body);
    return { client, response, challengeId: response.json().challengeId as string };
  }

  async function status(client: Client) {
    const response = await client.get('/api/auth/2fa/status');
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { enabled: boolean; methods: string[]; pending: string[] };
  }

  async function textMeACode(client: Client, challengeId: string): Promise<string> {
    return expectOneSms(t, PHONE, async () => {
      const response = await client.post('/api/auth/login/2fa/sms', { challengeId });
      assert.equal(response.statusCode, 200, response.body);
    });
  }

  it('enable texts a 6-digit code to the number, and only to it', async () => {
    const { client } = await signedUpBrowser(t.app);
    const snapshot = await outbox(t);
    const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().success, true);
    const sent = await sentSince(t, snapshot);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.to, PHONE);
    assert.match(sent[0]!.body, SIX_DIGITS);
    assert.equal(response.body.includes(codeIn(sent[0]!.body)), false, 'the code is not in the HTTP answer');
    const status = (await client.get('/api/auth/2fa/status')).json();
    assert.deepEqual({ enabled: status.enabled, methods: status.methods, pending: status.pending }, { enabled: false, methods: [], pending: ['sms'] });
  });

  it('accepts a number with spaces and stores it in E.164', async () => {
    const { client, user } = await signedUpBrowser(t.app);
    const spaced = await expectOneSms(t, PHONE, async () => {
      const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: '+44 7911 123456' });
      assert.equal(response.statusCode, 200, response.body);
    });
    assert.match(spaced, /^\d{6}$/);
    const row = await t.ctx.db.selectFrom('two_factor_methods').select(['phone_e164', 'verified_at']).where('user_id', '=', user.id).where('type', '=', 'sms').executeTakeFirstOrThrow();
    assert.equal(row.phone_e164, PHONE);
    assert.equal(row.verified_at, null);
  });

  for (const phoneNumber of ['07911123456', '+1234', 'abc']) {
    it(`refuses "${phoneNumber}" with 400 INVALID_PHONE_NUMBER and sends nothing`, async () => {
      const { client } = await signedUpBrowser(t.app);
      const snapshot = await outbox(t);
      const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber });
      assert.equal(response.statusCode, 400, response.body);
      const body = response.json();
      assert.equal(body.success, false);
      assert.equal(body.code, 'INVALID_PHONE_NUMBER');
      assert.equal(typeof body.message, 'string');
      assert.equal(typeof body.fields?.phoneNumber, 'string', 'names the field');
      assert.deepEqual(await sentSince(t, snapshot), []);
      assert.deepEqual((await client.get('/api/auth/2fa/status')).json().pending, []);
    });
  }

  it('a wrong code is refused with 400 INVALID_CONFIRMATION_CODE and the phone stays unconfirmed', async () => {
    const { client } = await signedUpBrowser(t.app);
    const code = await enableSms(client);
    const wrong = await client.post('/api/auth/2fa/sms/verify', { code: otherThan(code) });
    assert.equal(wrong.statusCode, 400, wrong.body);
    assert.equal(wrong.json().code, 'INVALID_CONFIRMATION_CODE');
    const status = (await client.get('/api/auth/2fa/status')).json();
    assert.equal(status.enabled, false);
    assert.deepEqual(status.pending, ['sms']);
  });

  it('the right code turns SMS on: status shows it with the phone masked, and 10 backup codes are returned', async () => {
    const { client } = await signedUpBrowser(t.app);
    const code = await enableSms(client);
    const verify = await client.post('/api/auth/2fa/sms/verify', { code });
    assert.equal(verify.statusCode, 200, verify.body);
    const backupCodes = verify.json().backupCodes as string[];
    assert.equal(backupCodes.length, 10);
    assert.equal(new Set(backupCodes).size, 10);
    for (const backup of backupCodes) assert.match(backup, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);

    const status = await client.get('/api/auth/2fa/status');
    assert.equal(status.statusCode, 200);
    const body = status.json();
    assert.equal(body.enabled, true);
    assert.deepEqual(body.methods, ['sms']);
    assert.deepEqual(body.pending, []);
    assert.equal(body.backupCodesRemaining, 10);
    assert.equal(typeof body.phoneNumber, 'string');
    assert.ok(body.phoneNumber.endsWith('456'), `recognisable: ${body.phoneNumber}`);
    assert.equal(body.phoneNumber.includes('7911123'), false, `masked: ${body.phoneNumber}`);
    assert.notEqual(body.phoneNumber, PHONE);
    assert.equal(status.body.includes(PHONE), false, 'the full number is nowhere in the answer');

    const events = ((await client.get('/api/auth/events')).json().events as { type: string; metadata: Record<string, unknown> }[]);
    assert.ok(events.some((e) => e.type === 'two_factor_enabled' && e.metadata.method === 'sms'));
  });

  it('a confirmed phone cannot be replaced without disabling first (409)', async () => {
    const { client } = await smsUser();
    const again = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: '+447911123457' });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().code, 'TWO_FACTOR_ALREADY_ENABLED');
    const verifyAgain = await client.post('/api/auth/2fa/sms/verify', { code: '123456' });
    assert.equal(verifyAgain.statusCode, 400, verifyAgain.body);
    assert.equal(verifyAgain.json().code, 'NO_PENDING_SETUP');
  });

  it('five wrong set-up codes spend the code: the right one is refused afterwards, a new one works (security.md §6)', async () => {
    const { client } = await signedUpBrowser(t.app);
    const code = await enableSms(client);
    for (let i = 0; i < 5; i++) {
      const wrong = await client.post('/api/auth/2fa/sms/verify', { code: otherThan(code) });
      assert.equal(wrong.statusCode, 400, wrong.body);
    }
    const late = await client.post('/api/auth/2fa/sms/verify', { code });
    assert.equal(late.statusCode, 400, late.body);
    assert.equal(late.json().code, 'INVALID_CONFIRMATION_CODE');
    assert.equal((await status(client)).enabled, false);
    const fresh = await enableSms(client);
    assert.equal((await client.post('/api/auth/2fa/sms/verify', { code: fresh })).statusCode, 200);
    assert.equal((await status(client)).enabled, true);
  });

  it('sign-in asks for the second factor, texts a code for the challenge, and the code signs in (security.md §4)', async () => {
    const { email, password } = await smsUser();
    const { client, response, challengeId } = await challenge(email, password);
    const body = response.json();
    assert.equal(body.twoFactorRequired, true);
    assert.match(challengeId, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(body.methods, ['sms', 'backup_code']);
    assert.equal(body.user, undefined);
    assert.equal(body.session, undefined);
    assert.equal(response.cookies.find((c) => c.name.endsWith('gatehouse_session')), undefined, 'no session cookie before the second factor (only the known-device one, security.md §6)');
    assert.equal((await client.get('/api/auth/session')).statusCode, 401);

    const code = await textMeACode(client, challengeId);
    const done = await client.post('/api/auth/login/2fa', { challengeId, code, method: 'sms' });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().user.email, email);
    assert.equal(done.json().session.verification, 'two_factor');
    assert.ok(client.cookie, 'session cookie set');
    const session = await client.get('/api/auth/session');
    assert.equal(session.statusCode, 200);
    assert.equal(session.json().session.verification, 'two_factor');
  });

  it('an SMS code works once (ASVS 6.5.1)', async () => {
    const { email, password, user } = await smsUser();
    const first = await challenge(email, password);
    const code = await textMeACode(first.client, first.challengeId);
    assert.equal((await first.client.post('/api/auth/login/2fa', { challengeId: first.challengeId, code, method: 'sms' })).statusCode, 200);

    const replaySame = await new Client(t.app).post('/api/auth/login/2fa', { challengeId: first.challengeId, code, method: 'sms' });
    assert.equal(replaySame.statusCode, 401, 'not again on the same challenge');
    const second = await challenge(email, password);
    const replayOther = await second.client.post('/api/auth/login/2fa', { challengeId: second.challengeId, code, method: 'sms' });
    assert.equal(replayOther.statusCode, 401, 'nor on a new one');
    assert.equal(replayOther.json().code, 'INVALID_CODE');
    assert.equal(second.client.cookie, null);

    const rows = await t.ctx.db.selectFrom('one_time_tokens').select(['used_at']).where('purpose', '=', 'sms_sign_in_code').where('user_id', '=', user.id).execute();
    assert.equal(rows.length, 1);
    assert.ok(rows[0]!.used_at, 'the code is marked used');
  });

  it('a set-up code older than 5 minutes is refused (ASVS 6.5.5)', async () => {
    const { client } = await signedUpBrowser(t.app);
    const code = await enableSms(client);
    t.clock.advance(301);
    const late = await client.post('/api/auth/2fa/sms/verify', { code });
    assert.equal(late.statusCode, 400, late.body);
    assert.equal(late.json().code, 'INVALID_CONFIRMATION_CODE');
    assert.equal((await client.get('/api/auth/2fa/status')).json().enabled, false);
  });

  it('a sign-in code is accepted at 4 min 59 s and refused after 5 minutes (ASVS 6.5.5)', async () => {
    const { email, password } = await smsUser();
    const onTime = await challenge(email, password);
    const code = await textMeACode(onTime.client, onTime.challengeId);
    t.clock.advance(299);
    assert.equal((await onTime.client.post('/api/auth/login/2fa', { challengeId: onTime.challengeId, code, method: 'sms' })).statusCode, 200);

    const late = await challenge(email, password);
    const lateCode = await textMeACode(late.client, late.challengeId);
    t.clock.advance(301);
    const refused = await late.client.post('/api/auth/login/2fa', { challengeId: late.challengeId, code: lateCode, method: 'sms' });
    assert.equal(refused.statusCode, 401, refused.body);
    assert.equal(late.client.cookie, null);
  });

  it('a code sent for one challenge does not complete another (ASVS 6.6.2)', async () => {
    const { email, password } = await smsUser();
    const browser = new Client(t.app);
    const a = await challenge(email, password, browser);
    const codeForA = await textMeACode(browser, a.challengeId);
    const b = await challenge(email, password, browser);
    const crossed = await browser.post('/api/auth/login/2fa', { challengeId: b.challengeId, code: codeForA, method: 'sms' });
    assert.equal(crossed.statusCode, 401, crossed.body);
    assert.equal(crossed.json().code, 'INVALID_CODE');
    assert.equal(browser.cookie, null);
    // The refusal was the binding, not a spent code: it still completes its own challenge.
    const own = await browser.post('/api/auth/login/2fa', { challengeId: a.challengeId, code: codeForA, method: 'sms' });
    assert.equal(own.statusCode, 200, own.body);
  });

  it('the set-up code is not a sign-in code', async () => {
    const account = await signedUpBrowser(t.app);
    const setupCode = await enableSms(account.client);
    // Confirm with the code, then try the very same digits at sign-in before any sign-in code exists.
    assert.equal((await account.client.post('/api/auth/2fa/sms/verify', { code: setupCode })).statusCode, 200);
    const { client, challengeId } = await challenge(account.email, account.password);
    const response = await client.post('/api/auth/login/2fa', { challengeId, code: setupCode, method: 'sms' });
    assert.equal(response.statusCode, 401, response.body);
    assert.equal(client.cookie, null);
  });

  it('a sign-in text needs a live challenge from this browser, for a user with a confirmed phone', async () => {
    const unknown = await new Client(t.app).post('/api/auth/login/2fa/sms', { challengeId: 'A'.repeat(43) });
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().code, 'INVALID_CHALLENGE');

    const { email, password } = await smsUser();
    const { challengeId } = await challenge(email, password);
    const snapshot = await outbox(t);
    const otherBrowser = await new Client(t.app, { userAgent: FIREFOX_LINUX }).post('/api/auth/login/2fa/sms', { challengeId });
    assert.equal(otherBrowser.statusCode, 401, 'the challenge is bound to the browser that started it');
    assert.equal(otherBrowser.json().code, 'INVALID_CHALLENGE');

    const totpOnly = await signedUpBrowser(t.app);
    await enrolTotp(totpOnly.client, t.clock);
    const totpChallenge = await challenge(totpOnly.email, totpOnly.password);
    const noPhone = await totpChallenge.client.post('/api/auth/login/2fa/sms', { challengeId: totpChallenge.challengeId });
    assert.equal(noPhone.statusCode, 400, noPhone.body);
    assert.equal(noPhone.json().code, 'SMS_NOT_ENABLED');
    assert.deepEqual(await sentSince(t, snapshot), [], 'nothing texted');
  });

  it('sending is rate limited per account: the 6th text within the hour answers 429 with Retry-After (security.md §6, ASVS 6.6.3)', async () => {
    const { client } = await signedUpBrowser(t.app);
    for (let i = 1; i <= 5; i++) {
      const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE });
      assert.equal(response.statusCode, 200, `send ${i}: ${response.body}`);
    }
    const snapshot = await outbox(t);
    const sixth = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE });
    assert.equal(sixth.statusCode, 429, sixth.body);
    assert.equal(sixth.json().code, 'RATE_LIMITED');
    const retryAfter = Number(sixth.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 3600, `Retry-After ${sixth.headers['retry-after']}`);
    assert.deepEqual(await sentSince(t, snapshot), [], 'the refused send wrote no message');

    // Another account is not affected.
    const other = await signedUpBrowser(t.app);
    assert.equal((await other.client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE })).statusCode, 200);
  });

  it('codes are never stored or logged in clear (security.md §2, §10)', async () => {
    const account = await signedUpBrowser(t.app);
    const setupCode = await enableSms(account.client);
    const code = new RegExp(`(?<!\\d)${setupCode}(?!\\d)`);
    const tokens = await t.ctx.db.selectFrom('one_time_tokens').selectAll().where('user_id', '=', account.user.id).where('purpose', '=', 'sms_setup_code').execute();
    assert.equal(tokens.length, 1);
    assert.doesNotMatch(JSON.stringify(tokens), code);
    assert.notEqual(tokens[0]!.token_hash, setupCode);

    assert.equal((await account.client.post('/api/auth/2fa/sms/verify', { code: setupCode })).statusCode, 200);
    const { client, challengeId } = await challenge(account.email, account.password);
    const signInCode = await textMeACode(client, challengeId);
    const signIn = new RegExp(`(?<!\\d)${signInCode}(?!\\d)`);
    const all = await t.ctx.db.selectFrom('one_time_tokens').selectAll().where('user_id', '=', account.user.id).execute();
    assert.ok(all.some((row) => row.purpose === 'sms_sign_in_code'));
    assert.doesNotMatch(JSON.stringify(all), signIn);
    const methods = await t.ctx.db.selectFrom('two_factor_methods').selectAll().where('user_id', '=', account.user.id).execute();
    assert.doesNotMatch(JSON.stringify(methods), signIn);
    const events = await t.ctx.db.selectFrom('security_events').selectAll().where('user_id', '=', account.user.id).execute();
    assert.doesNotMatch(JSON.stringify(events), code);
    assert.doesNotMatch(JSON.stringify(events), signIn);
    assert.equal((await client.post('/api/auth/login/2fa', { challengeId, code: signInCode, method: 'sms' })).statusCode, 200);
    const logs = t.logs.join('');
    assert.doesNotMatch(logs, code);
    assert.doesNotMatch(logs, signIn);
  });
});

for (const kind of databaseKinds) {
  // Its own app: if a wrong code wedges the database, the other suites still run. The timeouts only
  // turn a hang into a failure (and let the file finish); they measure nothing.
  describe(`two-factor by text message, a wrong code at sign-in (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(kind);
    });
    after(async () => {
      // close() waits for queries in flight; a wedged embedded database never answers them.
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([t.close().then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 10_000)))]);
      clearTimeout(timer);
      if (!closed) console.error(`two-factor.sms: the ${kind} app could not close: its database is still busy with the request that hung`);
    });

    it('a wrong SMS code is refused with 401 INVALID_CODE and no session; the right one still works, and the service keeps answering', { timeout: 20_000 }, async () => {
      const account = await signedUpBrowser(t.app);
      const setupCode = await expectOneSms(t, PHONE, async () => {
        assert.equal((await account.client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE })).statusCode, 200);
      });
      assert.equal((await account.client.post('/api/auth/2fa/sms/verify', { code: setupCode })).statusCode, 200);
      const client = new Client(t.app);
      const challengeId = (await client.post('/api/auth/login', { email: account.email, password: account.password })).json().challengeId as string;
      assert.ok(challengeId);
      const code = await expectOneSms(t, PHONE, async () => {
        assert.equal((await client.post('/api/auth/login/2fa/sms', { challengeId })).statusCode, 200);
      });

      const wrong = await client.post('/api/auth/login/2fa', { challengeId, code: otherThan(code), method: 'sms' });
      assert.equal(wrong.statusCode, 401, wrong.body);
      assert.equal(wrong.json().code, 'INVALID_CODE');
      assert.equal(client.cookie, null);
      assert.equal((await account.client.get('/api/auth/session')).statusCode, 200, 'other requests are still answered');
      const right = await client.post('/api/auth/login/2fa', { challengeId, code, method: 'sms' });
      assert.equal(right.statusCode, 200, right.body);

      // Five wrong codes end the challenge: the right code is refused afterwards (security.md §6).
      const next = new Client(t.app);
      const nextId = (await next.post('/api/auth/login', { email: account.email, password: account.password })).json().challengeId as string;
      const nextCode = await expectOneSms(t, PHONE, async () => {
        assert.equal((await next.post('/api/auth/login/2fa/sms', { challengeId: nextId })).statusCode, 200);
      });
      for (let i = 0; i < 5; i++) assert.equal((await next.post('/api/auth/login/2fa', { challengeId: nextId, code: otherThan(nextCode), method: 'sms' })).statusCode, 401);
      const sixth = await next.post('/api/auth/login/2fa', { challengeId: nextId, code: nextCode, method: 'sms' });
      assert.equal(sixth.statusCode, 401, sixth.body);
      assert.equal(sixth.json().code, 'INVALID_CHALLENGE');
      assert.equal(next.cookie, null);
    });
  });
}

describeOnEachDatabase('two-factor by text message, sign-in sends share the hourly budget', { rateLimits: { smsPerUserPerHour: 2 } }, (t) => {
  it('once the budget is spent, a sign-in text answers 429 and the code already sent still works (security.md §6)', async () => {
    const { client: owner, email, password } = await signedUpBrowser(t.app);
    const snapshot = await outbox(t);
    assert.equal((await owner.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE })).statusCode, 200); // send 1
    const [setup] = await sentSince(t, snapshot);
    assert.ok(setup);
    assert.equal((await owner.post('/api/auth/2fa/sms/verify', { code: codeIn(setup.body) })).statusCode, 200);

    const browser = new Client(t.app);
    const login = await browser.post('/api/auth/login', { email, password });
    const challengeId = login.json().challengeId as string;
    assert.ok(challengeId, login.body);
    const beforeSecond = await outbox(t);
    assert.equal((await browser.post('/api/auth/login/2fa/sms', { challengeId })).statusCode, 200); // send 2
    const [second] = await sentSince(t, beforeSecond);
    assert.ok(second);

    const beforeThird = await outbox(t);
    const third = await browser.post('/api/auth/login/2fa/sms', { challengeId });
    assert.equal(third.statusCode, 429, third.body);
    assert.equal(third.json().code, 'RATE_LIMITED');
    assert.ok(Number(third.headers['retry-after']) > 0, `Retry-After ${third.headers['retry-after']}`);
    assert.deepEqual(await sentSince(t, beforeThird), []);

    const done = await browser.post('/api/auth/login/2fa', { challengeId, code: codeIn(second.body), method: 'sms' });
    assert.equal(done.statusCode, 200, done.body);
  });
});

// ---- Twilio -------------------------------------------------------------------------------------

const TWILIO_SID = 'AC123';
const TWILIO_TOKEN = 'secret-token';
const TWILIO_FROM = '+15005550006';

interface TwilioRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams;
}

interface FakeTwilio {
  url: string;
  requests: TwilioRequest[];
  /** How the next requests are answered. */
  mode: 'ok' | 'error-500' | 'hang-up';
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Speaks the part of Twilio's REST API Gatehouse uses: create a Message. */
async function startFakeTwilio(): Promise<FakeTwilio> {
  const fake: FakeTwilio = { url: '', requests: [], mode: 'ok', close: async () => {} };
  const server: Server = createServer((request, response) => {
    void readBody(request).then((raw) => {
      const form = new URLSearchParams(raw);
      fake.requests.push({ method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization, contentType: request.headers['content-type'], form });
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (fake.mode === 'hang-up') {
        request.socket.destroy();
        return;
      }
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.url ?? '');
      if (request.method !== 'POST' || !match) return json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      const expected = `Basic ${Buffer.from(`${match[1]}:${TWILIO_TOKEN}`).toString('base64')}`;
      if (match[1] !== TWILIO_SID || request.headers.authorization !== expected) return json(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (fake.mode === 'error-500') return json(500, { code: 20500, message: 'Internal Server Error', status: 500 });
      return json(201, {
        sid: `SM${'0'.repeat(32 - String(fake.requests.length).length)}${fake.requests.length}`,
        account_sid: TWILIO_SID,
        status: 'queued',
        to: form.get('To'),
        from: form.get('From'),
        body: form.get('Body'),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

for (const kind of databaseKinds) {
  describe(`two-factor by text message, Twilio transport (${kind})`, () => {
    let t: TestApp;
    let twilio: FakeTwilio;
    before(async () => {
      twilio = await startFakeTwilio();
      t = await createTestApp(kind, {
        env: { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, TWILIO_FROM, TWILIO_API_URL: twilio.url },
      });
    });
    after(async () => {
      await t.close();
      await twilio.close();
    });

    /** Runs the action and returns the one request it made to Twilio. */
    async function oneTwilioRequest(action: () => Promise<unknown>): Promise<TwilioRequest> {
      const before = twilio.requests.length;
      await action();
      const made = twilio.requests.slice(before);
      assert.equal(made.length, 1, 'exactly one call to Twilio');
      return made[0]!;
    }

    it('posts the message to the Messages API with Basic auth, To, From and a Body holding the code; the code confirms the phone', async () => {
      twilio.mode = 'ok';
      const { client, email, password } = await signedUpBrowser(t.app);
      const sent = await oneTwilioRequest(async () => {
        const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE });
        assert.equal(response.statusCode, 200, response.body);
      });
      assert.equal(sent.method, 'POST');
      assert.equal(sent.path, `/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`);
      assert.equal(sent.authorization, `Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`);
      assert.match(sent.contentType ?? '', /^application\/x-www-form-urlencoded/);
      assert.equal(sent.form.get('To'), PHONE);
      assert.equal(sent.form.get('From'), TWILIO_FROM);
      const code = codeIn(sent.form.get('Body') ?? '');
      assert.deepEqual((await outbox(t)).size, 0, 'nothing goes to the outbox when Twilio is configured');

      const verify = await client.post('/api/auth/2fa/sms/verify', { code });
      assert.equal(verify.statusCode, 200, verify.body);
      assert.equal((await client.get('/api/auth/2fa/status')).json().enabled, true);

      // And the sign-in code travels the same way.
      const browser = new Client(t.app);
      const challengeId = (await browser.post('/api/auth/login', { email, password })).json().challengeId as string;
      assert.ok(challengeId);
      const signInText = await oneTwilioRequest(async () => {
        assert.equal((await browser.post('/api/auth/login/2fa/sms', { challengeId })).statusCode, 200);
      });
      assert.equal(signInText.form.get('To'), PHONE);
      const done = await browser.post('/api/auth/login/2fa', { challengeId, code: codeIn(signInText.form.get('Body') ?? ''), method: 'sms' });
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().session.verification, 'two_factor');
    });

    it('answers 503 SMS_UNAVAILABLE in the error shape when Twilio answers 500', async () => {
      const { client } = await signedUpBrowser(t.app);
      twilio.mode = 'error-500';
      try {
        const sent = await oneTwilioRequest(async () => {
          const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE });
          assert.equal(response.statusCode, 503, response.body);
          const body = response.json();
          assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'success']);
          assert.equal(body.success, false);
          assert.equal(body.code, 'SMS_UNAVAILABLE');
          assert.ok(body.message.length > 0);
          assert.doesNotMatch(response.body, /Twilio answered|at .*\.ts/, 'no internals leak');
        });
        assert.equal(sent.form.get('To'), PHONE, 'the request was made');
      } finally {
        twilio.mode = 'ok';
      }
      assert.equal((await client.get('/api/auth/2fa/status')).json().enabled, false);
    });

    it('answers 503 SMS_UNAVAILABLE when the connection to Twilio fails', async () => {
      const { client } = await signedUpBrowser(t.app);
      twilio.mode = 'hang-up';
      try {
        const response = await client.post('/api/auth/2fa/sms/enable', { phoneNumber: PHONE });
        assert.equal(response.statusCode, 503, response.body);
        assert.equal(response.json().code, 'SMS_UNAVAILABLE');
      } finally {
        twilio.mode = 'ok';
      }
    });
  });
}

describe('SMS_PROVIDER configuration', () => {
  const base = (): Record<string, string> => ({ GATEHOUSE_SECRET: TEST_SECRET, GATEHOUSE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gatehouse-config-')) });
  const credentials = { TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, TWILIO_FROM };

  it('defaults to the outbox', () => {
    assert.equal(loadConfig(base()).twilio, undefined);
    assert.equal(loadConfig({ ...base(), SMS_PROVIDER: 'outbox', ...credentials }).twilio, undefined);
  });

  it('SMS_PROVIDER=twilio without credentials is a ConfigError', () => {
    assert.throws(() => loadConfig({ ...base(), SMS_PROVIDER: 'twilio' }), ConfigError);
    for (const missing of Object.keys(credentials)) {
      const env = { ...base(), SMS_PROVIDER: 'twilio', ...credentials, [missing]: '' };
      assert.throws(() => loadConfig(env), ConfigError, `without ${missing}`);
    }
  });

  it('an unknown provider is a ConfigError', () => {
    assert.throws(() => loadConfig({ ...base(), SMS_PROVIDER: 'carrier-pigeon' }), ConfigError);
  });

  it('SMS_PROVIDER=twilio with credentials uses api.twilio.com unless TWILIO_API_URL says otherwise', () => {
    assert.deepEqual(loadConfig({ ...base(), SMS_PROVIDER: 'twilio', ...credentials }).twilio, { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiUrl: 'https://api.twilio.com' });
    assert.equal(loadConfig({ ...base(), SMS_PROVIDER: 'twilio', ...credentials, TWILIO_API_URL: 'http://127.0.0.1:9' }).twilio?.apiUrl, 'http://127.0.0.1:9');
  });
});
