// The default sender is a valid mailbox for any PUBLIC_URL host (security.md §8): a name stays a
// name, an IP address becomes an RFC 5321 address literal (no-reply@[127.0.0.1],
// no-reply@[IPv6:::1]), since a bare IP is no mail domain; and a product name with a comma stays
// one mailbox. The address goes through nodemailer to a real SMTP server and is read back.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createMailTransport } from '../../src/notify/mail.ts';
import { TEST_SECRET } from '../support/app.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';

const configFor = (env: Record<string, string>) => loadConfig({ GATEHOUSE_SECRET: TEST_SECRET, GATEHOUSE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gatehouse-mail-from-')), ...env });

// RFC 5321 §4.1.2: a Domain (whose last label, RFC 1123 §2.1, is not all digits) or an address literal.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const MAILBOX = new RegExp(`^[A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-]+@(?:(?:${LABEL}\\.)*(?!\\d+$)${LABEL}|\\[(?:\\d{1,3}(?:\\.\\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\\])$`);

describe('the default MAIL_FROM', () => {
  it('is no-reply@ the PUBLIC_URL host, an IP host written as an address literal', () => {
    const cases: [string, string][] = [
      ['http://localhost:3000', 'no-reply@localhost'],
      ['https://auth.example.com', 'no-reply@auth.example.com'],
      ['http://127.0.0.1:3000', 'no-reply@[127.0.0.1]'],
      ['http://203.0.113.9', 'no-reply@[203.0.113.9]'],
      ['https://[2001:db8::1]:8443', 'no-reply@[IPv6:2001:db8::1]'],
    ];
    for (const [publicUrl, address] of cases) {
      const from = configFor({ PUBLIC_URL: publicUrl }).mailFrom;
      assert.equal(from, `"Gatehouse" <${address}>`, publicUrl);
      assert.match(address, MAILBOX, `${address} is an RFC 5321 mailbox`);
    }
    assert.doesNotMatch('no-reply@127.0.0.1', MAILBOX, 'the check refuses a bare IP');
  });

  it('an explicit MAIL_FROM is used as given', () => {
    assert.equal(configFor({ MAIL_FROM: 'Security <security@example.org>' }).mailFrom, 'Security <security@example.org>');
  });

  describe('sent through nodemailer to an SMTP server', () => {
    let smtp: TestSmtpServer;
    before(async () => {
      smtp = await startSmtpServer();
    });
    after(() => smtp.close());

    it('the envelope sender and the From header carry that address, and a product name with a comma stays one mailbox', async () => {
      for (const [publicUrl, address] of [['http://127.0.0.1:3000', 'no-reply@[127.0.0.1]'], ['https://[2001:db8::1]', 'no-reply@[IPv6:2001:db8::1]']] as const) {
        const config = configFor({ PUBLIC_URL: publicUrl, SMTP_URL: smtp.url, PRODUCT_NAME: 'Acme, Inc. "Accounts"' });
        const transport = createMailTransport(config);
        const to = `reader.${publicUrl.length}@example.com`;
        try {
          await transport.send({ to, subject: `From check ${publicUrl}`, text: 'hello', html: '<p>hello</p>' });
        } finally {
          transport.close();
        }
        const mail = await smtp.waitForMail((m) => m.subject === `From check ${publicUrl}`);
        assert.equal(mail.envelopeFrom.toLowerCase(), address.toLowerCase(), 'envelope sender');
        const senders = mail.parsed.from?.value ?? [];
        assert.equal(senders.length, 1, `one mailbox in From: ${mail.fromHeader}`);
        assert.equal(senders[0]?.address?.toLowerCase(), address.toLowerCase());
        assert.equal(senders[0]?.name, 'Acme, Inc. "Accounts"');
      }
    });
  });
});
