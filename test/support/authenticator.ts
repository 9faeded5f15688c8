// Real outside tools in the role a person's phone plays: oathtool (an authenticator app's TOTP)
// and zbarimg (a camera reading the QR code). CI installs both (.ci/run); a missing tool fails.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The 6-digit TOTP an authenticator app shows for this secret at this moment. */
export async function oathtoolTotp(secretBase32: string, at: Date, options: { digits?: number; algorithm?: 'SHA1' | 'SHA256' | 'SHA512' } = {}): Promise<string> {
  const seconds = Math.floor(at.getTime() / 1000);
  const args = ['--totp' + (options.algorithm && options.algorithm !== 'SHA1' ? `=${options.algorithm}` : ''), '--base32', `--digits=${options.digits ?? 6}`, `--now=@${seconds}`, secretBase32];
  const { stdout } = await run('oathtool', args);
  return stdout.trim();
}

/** A well-formed 6-digit code that matches none of the time-steps accepted at `at` (±1 step). */
export async function wrongTotp(secretBase32: string, at: Date): Promise<string> {
  const accepted = new Set(await Promise.all([-30_000, 0, 30_000].map((offset) => oathtoolTotp(secretBase32, new Date(at.getTime() + offset)))));
  let candidate = 0;
  while (accepted.has(String(candidate).padStart(6, '0'))) candidate += 1;
  return String(candidate).padStart(6, '0');
}

/** The HOTP code for a hex key and counter (RFC 4226). */
export async function oathtoolHotp(hexKey: string, counter: number): Promise<string> {
  const { stdout } = await run('oathtool', ['--hotp', `--counter=${counter}`, hexKey]);
  return stdout.trim();
}

/** Decodes a PNG data URL as a phone camera would and returns the text in the QR code. */
export async function readQrCode(dataUrl: string): Promise<string> {
  const match = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
  if (!match?.[1]) throw new Error('not a PNG data URL');
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-qr-'));
  try {
    const file = path.join(dir, 'qr.png');
    await writeFile(file, Buffer.from(match[1], 'base64'));
    const { stdout } = await run('zbarimg', ['--raw', '--quiet', file]);
    return stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
