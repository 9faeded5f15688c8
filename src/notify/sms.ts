// SMS delivery. `outbox` (the default) writes each message as a JSON file under
// <data dir>/outbox/sms/ so `npm start` needs no carrier; `twilio` posts to Twilio's Messages API
// (TWILIO_API_URL makes the base URL configurable, e.g. for a regional edge or a test double).
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';

export interface SmsMessage {
  to: string;
  body: string;
}

export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

export class SmsDeliveryError extends Error {}

function outboxSender(dir: string): SmsSender {
  return {
    async send(message) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.json`;
      await writeFile(path.join(dir, name), JSON.stringify(message, null, 2) + '\n', { mode: 0o600 });
    },
  };
}

function twilioSender(config: NonNullable<Config['twilio']>): SmsSender {
  const url = new URL(`/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`, config.apiUrl);
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  return {
    async send(message) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ To: message.to, From: config.from, Body: message.body }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new SmsDeliveryError(`Twilio answered ${response.status}`);
    },
  };
}

export function createSmsSender(config: Config): SmsSender {
  return config.twilio ? twilioSender(config.twilio) : outboxSender(path.join(config.dataDir, 'outbox', 'sms'));
}
