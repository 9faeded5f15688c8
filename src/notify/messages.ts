// Every email Gatehouse sends: a plain-text and an HTML part, the product name, and for links the
// PUBLIC_URL page that posts the token (a GET never consumes a token, so link scanners are harmless).
import type { Config } from '../config.ts';
import type { MailMessage } from '../outbox/mail-outbox.ts';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface Body {
  subject: string;
  /** Paragraphs of plain text. */
  lines: string[];
  action?: { label: string; url: string };
  footer?: string;
}

function compose(config: Config, to: string, body: Body): MailMessage {
  const product = config.productName;
  const footer = body.footer ?? `If this wasn't you, change your password and review your sessions at ${link(config, '/settings#security')}.`;
  const text = [...body.lines, ...(body.action ? [`${body.action.label}: ${body.action.url}`] : []), footer, `— ${product}`].join('\n\n');
  const paragraphs = body.lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  const button = body.action
    ? `<p><a href="${escapeHtml(body.action.url)}" style="display:inline-block;padding:10px 18px;background:#1f3a5f;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(body.action.label)}</a></p>\n<p style="font-size:12px;color:#555">Or paste this address into your browser: ${escapeHtml(body.action.url)}</p>`
    : '';
  const html = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b1b1b;max-width:560px">
<h2 style="color:#1f3a5f">${escapeHtml(product)}</h2>
${paragraphs}
${button}
<p style="font-size:13px;color:#555">${escapeHtml(footer)}</p>
</body></html>`;
  return { to, subject: `${product}: ${body.subject}`, text, html };
}

export function link(config: Config, pathAndQuery: string): string {
  return new URL(pathAndQuery, config.publicUrl).toString();
}

const tokenLink = (config: Config, page: string, token: string): string => link(config, `${page}?token=${encodeURIComponent(token)}`);

export const messages = {
  verifyEmail: (config: Config, to: string, token: string) =>
    compose(config, to, {
      subject: 'Confirm your email address',
      lines: [`Confirm that ${to} is your email address. The link works once, for 24 hours.`],
      action: { label: 'Confirm email address', url: tokenLink(config, '/verify-email', token) },
      footer: "If you didn't create an account, you can ignore this message.",
    }),

  registrationAttempt: (config: Config, to: string) =>
    compose(config, to, {
      subject: 'Someone tried to sign up with your email',
      lines: [
        'Someone tried to create an account with this email address, but you already have one.',
        'If that was you, sign in instead, or reset your password if you forgot it.',
      ],
      action: { label: 'Reset your password', url: link(config, '/forgot-password') },
      footer: "If it wasn't you, nothing has changed and you can ignore this message.",
    }),

  passwordReset: (config: Config, to: string, token: string) =>
    compose(config, to, {
      subject: 'Reset your password',
      lines: ['We received a request to reset your password. The link works once, for 30 minutes, and only the newest link works.'],
      action: { label: 'Choose a new password', url: tokenLink(config, '/reset-password', token) },
      footer: "If you didn't ask for this, ignore this message: your password stays as it is.",
    }),

  passwordChanged: (config: Config, to: string, how: 'changed' | 'reset') =>
    compose(config, to, {
      subject: 'Your password was changed',
      lines: [how === 'reset' ? 'Your password was reset and every session was signed out.' : 'Your password was changed and your other sessions were signed out.'],
    }),

  emailChangeConfirm: (config: Config, to: string, token: string) =>
    compose(config, to, {
      subject: 'Confirm your new email address',
      lines: [`Confirm that ${to} should become the email address of your account. The link works once, for 24 hours.`],
      action: { label: 'Confirm new email address', url: tokenLink(config, '/confirm-email-change', token) },
      footer: "If you didn't ask for this, ignore this message: nothing changes until the link is followed.",
    }),

  emailChangeRequested: (config: Config, to: string) =>
    compose(config, to, {
      subject: 'A change of email address was requested',
      lines: ['Someone signed in to your account asked to move it to a new email address. It changes only when the link sent to the new address is followed.'],
    }),

  emailChanged: (config: Config, to: string) =>
    compose(config, to, {
      subject: 'Your email address was changed',
      lines: [
        'The email address of your account was changed. This address no longer signs in, and links sent to it earlier no longer work.',
        'Your other sessions were signed out.',
      ],
    }),

  emailChangedToNew: (config: Config, to: string) =>
    compose(config, to, {
      subject: 'This is now your account email address',
      lines: [`${to} is now the email address of your account; sign in with it from now on.`, 'Your other sessions were signed out.'],
    }),

  twoFactorChanged: (config: Config, to: string, enabled: boolean, method: string) =>
    compose(config, to, {
      subject: enabled ? 'Two-factor authentication is on' : 'Two-factor authentication was turned off',
      lines: [enabled ? `Two-factor authentication (${method}) was turned on for your account.` : 'Two-factor authentication was turned off for your account. Your other sessions were signed out.'],
    }),

  backupCodeUsed: (config: Config, to: string, remaining: number) =>
    compose(config, to, {
      subject: 'A backup code was used',
      lines: [`A backup code was used to sign in to your account. ${remaining} unused codes remain.${remaining <= 2 ? ' Generate new ones in your security settings.' : ''}`],
    }),

  newSignIn: (config: Config, to: string, details: { device: string; location: string; at: Date }) =>
    compose(config, to, {
      subject: 'New sign-in to your account',
      lines: [
        `Your account was signed in to from a device or place we had not seen before:`,
        `${details.device} · ${details.location} · ${details.at.toUTCString()}`,
      ],
      action: { label: 'Review your sessions', url: link(config, '/settings#security') },
      footer: 'If this was you, there is nothing to do. You can turn these notices off in your settings.',
    }),
};
