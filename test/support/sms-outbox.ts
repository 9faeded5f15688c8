// Reads the texts the default SMS transport (SMS_PROVIDER=outbox) writes as JSON files under
// <data dir>/outbox/sms/, the way a phone would receive them.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestApp } from './app.ts';

export interface TextMessage {
  file: string;
  to: string;
  body: string;
}

async function outbox(t: TestApp): Promise<Map<string, TextMessage>> {
  const dir = path.join(t.ctx.config.dataDir, 'outbox', 'sms');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const messages = new Map<string, TextMessage>();
  for (const name of names) {
    const parsed = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as { to: string; body: string };
    messages.set(name, { file: name, to: parsed.to, body: parsed.body });
  }
  return messages;
}

/** Runs the action and returns the 6-digit code of the one text it sent to `to`. */
export async function textedCode(t: TestApp, to: string, action: () => Promise<unknown>): Promise<string> {
  const before = await outbox(t);
  await action();
  const sent = [...(await outbox(t)).values()].filter((m) => !before.has(m.file));
  assert.equal(sent.length, 1, `exactly one text sent, got ${JSON.stringify(sent)}`);
  assert.equal(sent[0]!.to, to);
  const code = /(?<!\d)(\d{6})(?!\d)/.exec(sent[0]!.body)?.[1];
  assert.ok(code, `a 6-digit code in "${sent[0]!.body}"`);
  return code;
}
