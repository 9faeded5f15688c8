// The mail an app without SMTP writes to its outbox (<data dir>/outbox/mail/*.eml), read the way a
// person reads their inbox: wait for the message with a subject, then take a link out of it.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { TestApp } from './app.ts';

/** The first mail in the app's outbox to `to` (any address when omitted) whose subject matches, once it is written. */
export async function waitForOutboxMail(t: TestApp, subject: RegExp, options: { to?: string; timeoutMs?: number } = {}): Promise<ParsedMail> {
  const dir = path.join(t.ctx.config.dataDir, 'outbox', 'mail');
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const mail = await simpleParser(await readFile(path.join(dir, name)));
      const to = [mail.to ?? []].flat().map((address) => address.text).join(', ');
      if (subject.test(mail.subject ?? '') && (!options.to || to.includes(options.to))) return mail;
    }
    await sleep(50);
  }
  throw new Error(`no mail matching ${subject}${options.to ? ` to ${options.to}` : ''} in ${dir}`);
}

/** The first link in the mail's text to `pathPrefix` on `origin` (e.g. "/reset-password?token="). */
export function linkInMail(mail: ParsedMail, origin: string, pathPrefix: string): string {
  const start = (mail.text ?? '').indexOf(`${origin}${pathPrefix}`);
  if (start < 0) throw new Error(`no ${origin}${pathPrefix} link in "${mail.subject}"`);
  // The link may end a sentence: the full stop after it is not part of it.
  return (mail.text ?? '').slice(start).split(/\s/)[0]!.replace(/[.,;:)]+$/, '');
}
