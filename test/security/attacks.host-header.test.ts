// Host-header injection into mail links (ASVS 3.2.x; OWASP "password reset poisoning"): an attacker
// who asks for a reset, a verification or an address-change link with a forged Host,
// X-Forwarded-Host, X-Forwarded-Proto or Forwarded header must not get the victim mailed a link to
// the attacker's site. Links are built from PUBLIC_URL only, with and without TRUST_PROXY.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PUBLIC_ORIGIN } from '../support/app.ts';
import { Client, signedUpBrowser, uniqueEmail, STRONG_PASSWORD } from '../support/client.ts';
import { waitForQueueDrained, type ReceivedMail } from '../support/smtp.ts';
import { describeWithMailOnEachDatabase } from '../support/suites.ts';

const EVIL = 'evil.example';
const FORGED_HEADERS: Record<string, string> = {
  host: EVIL,
  'x-forwarded-host': EVIL,
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '8443',
  'x-forwarded-for': '203.0.113.7',
  forwarded: `for=203.0.113.7;host=${EVIL};proto=https`,
  'x-original-host': EVIL,
  'x-host': EVIL,
};

/** Every http(s) URL in both parts of a message. */
function linksIn(mail: ReceivedMail): string[] {
  return [...`${mail.text}\n${mail.html}`.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((match) => match[0]);
}

for (const trustProxy of ['false', 'true']) {
  describeWithMailOnEachDatabase(`attack: Host-header injection into mail links, TRUST_PROXY=${trustProxy}`, { env: { TRUST_PROXY: trustProxy }, rateLimits: { mailsPerIpPerHour: 1000 } }, (t, smtp) => {
    it('verification, reset and address-change links asked for with forged host headers point at PUBLIC_URL', async () => {
      // Registration (the verification link), asked for with forged headers.
      const email = uniqueEmail('victim');
      const forged = new Client(t.app);
      const register = await forged.post('/api/auth/register', { email, password: STRONG_PASSWORD }, FORGED_HEADERS);
      assert.equal(register.statusCode, 201, register.body);
      const verification = await smtp.nextMailTo(email, /Confirm your email address/);

      // A new verification link and a reset link, asked for by the attacker for the victim.
      assert.equal((await new Client(t.app).post('/api/auth/email/verify/request', { email }, FORGED_HEADERS)).statusCode, 202);
      const again = await smtp.nextMailTo(email, /Confirm your email address/);
      assert.equal((await new Client(t.app).post('/api/auth/password/forgot', { email }, FORGED_HEADERS)).statusCode, 202);
      const reset = await smtp.nextMailTo(email, /Reset your password/);

      // An address change asked for from the victim's own session, through a forging proxy.
      const { client, password } = await signedUpBrowser(t.app);
      const newEmail = uniqueEmail('moved');
      const change = await client.post('/api/auth/email/change', { newEmail, password }, FORGED_HEADERS);
      assert.equal(change.statusCode, 202, change.body);
      const confirm = await smtp.nextMailTo(newEmail, /Confirm your new email address/);
      await waitForQueueDrained(t);

      const mails = [verification, again, reset, confirm];
      const links = mails.flatMap(linksIn);
      assert.ok(links.length >= mails.length * 2, `every message carries its link in both parts (${links.length})`);
      assert.deepEqual(links.filter((link) => !link.startsWith(`${PUBLIC_ORIGIN}/`)), [], 'every link is on PUBLIC_URL');
      for (const mail of [...mails, ...smtp.mails]) assert.ok(!mail.raw.includes(EVIL) && !mail.raw.includes(':8443'), `no forged host anywhere in "${mail.subject}"`);
    });
  });
}
