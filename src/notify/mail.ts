// Mail delivery with nodemailer. SMTP_URL (smtp:// with STARTTLS when offered, smtps://, user and
// password in the URL) sends for real; without it each message is written as an RFC 5322 `.eml`
// file under <data dir>/outbox/mail/ so `npm start` works with no mail server.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { MailMessage } from '../outbox/mail-outbox.ts';


export interface MailTransport {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export function createMailTransport(config: Config): MailTransport {
  const from = config.mailFrom;
  if (config.smtpUrl) {
    const transporter = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message) {
        await transporter.sendMail({ from, ...message });
      },
      close: () => transporter.close(),
    };
  }
  const dir = path.join(config.dataDir, 'outbox', 'mail');
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await composer.sendMail({ from, ...message });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
      await writeFile(path.join(dir, name), info.message as Buffer, { mode: 0o600 });
    },
    close: () => composer.close(),
  };
}
