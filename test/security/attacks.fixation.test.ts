// Session fixation (ASVS 7.2.4, security.md §3): an attacker who can put a session token into the
// victim's browser (a cookie set from a sibling subdomain, a crafted API client) before the victim
// signs in must never find that token turned into the victim's session. Sign-in, registration and
// the second step always issue a new server-generated token; the attacker's value is never stored,
// never accepted, and an attacker's own valid session stays the attacker's.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { hashToken } from '../../src/crypto/tokens.ts';
import { oathtoolTotp } from '../support/authenticator.ts';
import { Client, STRONG_PASSWORD, signedUpBrowser, uniqueEmail } from '../support/client.ts';
import { describeOnEachDatabase } from '../support/suites.ts';
import { passwordStep, signedUpWithTotp } from '../support/two-factor.ts';

type Response = Awaited<ReturnType<Client['get']>>;

/** A value shaped exactly like a session token, chosen by the attacker. */
const attackerChosen = (): string => randomBytes(32).toString('base64url');

function issuedCookie(response: Response): string {
  const cookie = response.cookies.find((c) => c.name === 'gatehouse_session');
  assert.ok(cookie?.value, `a session cookie was issued: ${response.statusCode} ${response.body}`);
  return cookie.value;
}

describeOnEachDatabase('attack: session fixation', (t) => {
  /** The planted value is no session: refused as cookie and as bearer, and stored nowhere. */
  async function neverASession(planted: string): Promise<void> {
    assert.equal((await new Client(t.app).get('/api/auth/session', { cookie: `gatehouse_session=${planted}` })).statusCode, 401, 'the planted cookie is refused');
    assert.equal((await new Client(t.app, { bearer: planted }).get('/api/auth/session')).statusCode, 401, 'the planted value is refused as a bearer token');
    const stored = await t.ctx.db.selectFrom('sessions').select('id').where('token_hash', '=', hashToken(planted)).execute();
    assert.deepEqual(stored, [], 'no session row carries the planted token');
  }

  /** A browser into which the attacker has planted a cookie. */
  function plantedBrowser(planted: string): Client {
    const browser = new Client(t.app);
    browser.cookie = `gatehouse_session=${planted}`;
    return browser;
  }

  it('a cookie planted before sign-in is not adopted: the browser gets a new token and the planted one stays worthless', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const planted = attackerChosen();
    const browser = plantedBrowser(planted);
    const login = await browser.post('/api/auth/login', { email, password });
    assert.equal(login.statusCode, 200, login.body);
    assert.notEqual(issuedCookie(login), planted);
    assert.equal((await browser.get('/api/auth/session')).json().user.email, email, 'the issued cookie is the session');
    await neverASession(planted);
  });

  it('a cookie planted before registration is not adopted', async () => {
    const planted = attackerChosen();
    const browser = plantedBrowser(planted);
    const register = await browser.post('/api/auth/register', { email: uniqueEmail('fixation'), password: STRONG_PASSWORD });
    assert.equal(register.statusCode, 201, register.body);
    assert.notEqual(issuedCookie(register), planted);
    await neverASession(planted);
  });

  it('a cookie planted before a two-factor sign-in is not adopted through the challenge or the second step', async () => {
    const victim = await signedUpWithTotp(t.app, t.clock);
    const planted = attackerChosen();
    const { client, challengeId } = await passwordStep(t.app, victim.email, victim.password, plantedBrowser(planted));
    await neverASession(planted);
    const second = await client.post('/api/auth/login/2fa', { challengeId, code: await oathtoolTotp(victim.secret, t.clock.now()) });
    assert.equal(second.statusCode, 200, second.body);
    assert.notEqual(issuedCookie(second), planted);
    await neverASession(planted);
  });

  it('an API client that presents a chosen bearer token at sign-in gets a new one; the chosen one is worthless', async () => {
    const { email, password } = await signedUpBrowser(t.app);
    const planted = attackerChosen();
    const login = await new Client(t.app, { bearer: planted }).post('/api/auth/login', { email, password }, { 'x-session-transport': 'bearer' });
    assert.equal(login.statusCode, 200, login.body);
    const token = login.json().session.token as string;
    assert.notEqual(token, planted);
    assert.equal((await new Client(t.app, { bearer: token }).get('/api/auth/session')).statusCode, 200);
    await neverASession(planted);
  });

  it("the attacker's own valid session planted in the victim's browser never becomes the victim's", async () => {
    const attacker = await signedUpBrowser(t.app);
    const attackerToken = attacker.client.cookie!.split('=')[1]!;
    const victim = await signedUpBrowser(t.app);
    const browser = plantedBrowser(attackerToken);
    const login = await browser.post('/api/auth/login', { email: victim.email, password: victim.password });
    assert.equal(login.statusCode, 200, login.body);
    assert.notEqual(issuedCookie(login), attackerToken, 'the victim gets a token of their own');
    assert.equal((await browser.get('/api/auth/session')).json().user.id, victim.user.id);
    // Whether sign-in ended the presented session or left it, it is never the victim's.
    const replay = await new Client(t.app).get('/api/auth/session', { cookie: `gatehouse_session=${attackerToken}` });
    if (replay.statusCode === 200) assert.equal(replay.json().user.id, attacker.user.id, "the planted token still belongs to the attacker's account");
    else assert.equal(replay.statusCode, 401);
    const rows = await t.ctx.db.selectFrom('sessions').select('user_id').where('token_hash', '=', hashToken(attackerToken)).execute();
    assert.ok(rows.every((row) => row.user_id === attacker.user.id), "the token's row was not moved to the victim");
  });
});
