// The web pages behind the links in emails (PUBLIC_URL/verify-email?token=…, /reset-password?token=…,
// /confirm-email-change?token=…) and the forgot-password form (security.md §8, §9). Opening a page
// consumes nothing: a person presses the button. With the page script the button calls the JSON
// API; without it the form posts here, the same service does the work, and a plain page answers.
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { requestInfo } from '../../http/request-info.ts';
import { readSessionToken } from '../../http/session-transport.ts';
import * as email from '../accounts/email-ownership.ts';
import { PASSWORD_MAX_LENGTH } from '../accounts/password-policy.ts';
import { authenticate } from '../sessions/service.ts';
import { renderPage, type PageContent } from './page.ts';

// web/ sits at the package root, the same distance from src/ and from the built dist/.
const script = readFileSync(new URL('../../../web/pages.js', import.meta.url), 'utf8');
// The web app's one stylesheet, so these pages look like the rest without a build step.
const stylesheet = readFileSync(new URL('../../../web/src/ui/theme.css', import.meta.url), 'utf8');

const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const LinkToken = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$' });

interface PageSpec {
  title: string;
  intro: string;
  /** Pages behind a link need its token; the forgot-password page has none. */
  needsToken: boolean;
  fields: string;
  button: string;
  body: TSchema;
  /** Does the page's work; resolves to what the page then says. */
  act(request: FastifyRequest, form: Record<string, string>): Promise<{ text: string; status: number }>;
}

export function webRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const minLength = String(ctx.config.passwordMinLength);
  const pages: Record<string, PageSpec> = {
    '/verify-email': {
      title: 'Confirm your email address',
      intro: 'Press the button to confirm this email address belongs to you.',
      needsToken: true,
      fields: '',
      button: 'Confirm email address',
      body: Type.Object({ token: LinkToken }, { additionalProperties: false }),
      act: async (request, form) => {
        await email.verifyEmail(ctx, form.token!, requestInfo(request));
        return { text: 'Your email address is confirmed.', status: 200 };
      },
    },
    '/confirm-email-change': {
      title: 'Confirm your new email address',
      intro: 'Press the button to move your account to this email address.',
      needsToken: true,
      fields: '',
      button: 'Confirm new address',
      body: Type.Object({ token: LinkToken }, { additionalProperties: false }),
      act: async (request, form) => {
        const presented = readSessionToken(request, ctx.config);
        const session = presented ? await authenticate(ctx, presented.token) : null;
        await email.confirmEmailChange(ctx, form.token!, requestInfo(request), session);
        return { text: 'Your email address was changed.', status: 200 };
      },
    },
    '/reset-password': {
      title: 'Choose a new password',
      intro: `Every session will be signed out. Use at least ${minLength} characters; a few unrelated words make a strong password.`,
      needsToken: true,
      fields: `<label for="newPassword">New password</label><input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="${minLength}" maxlength="${PASSWORD_MAX_LENGTH}">`,
      button: 'Set new password',
      body: Type.Object({ token: LinkToken, newPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 }) }, { additionalProperties: false }),
      act: async (request, form) => {
        await email.resetPassword(ctx, { token: form.token!, newPassword: form.newPassword! }, requestInfo(request));
        return { text: 'Your password was reset. Sign in with the new one.', status: 200 };
      },
    },
    '/forgot-password': {
      title: 'Forgot your password?',
      intro: 'Enter your email address and we will send you a link to choose a new password.',
      needsToken: false,
      fields: '<label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="email" required maxlength="254">',
      button: 'Send reset link',
      body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) }, { additionalProperties: false }),
      act: async (request, form) => {
        await email.forgotPassword(ctx, form.email!, requestInfo(request));
        return { text: 'If that address has an account, we sent it a link to reset the password.', status: 202 };
      },
    },
  };

  function content(path: string, spec: PageSpec, token: string | undefined, status: PageContent['status'], showForm: boolean): PageContent {
    const page = path.slice(1);
    if (spec.needsToken && (token === undefined || !LINK_TOKEN.test(token))) {
      return { page, title: spec.title, intro: spec.intro, form: null, status: { text: 'This link is incomplete. Copy the whole address from the email, or ask for a new link.', ok: false } };
    }
    const form = showForm ? { action: path, ...(spec.needsToken ? { token } : {}), fields: spec.fields, button: spec.button } : null;
    return { page, title: spec.title, intro: spec.intro, form, status };
  }

  function send(reply: FastifyReply, status: number, page: PageContent) {
    return reply
      .status(status)
      .header('cache-control', 'no-store')
      // The form's POST must carry our Origin for the CSRF check, which no-referrer would blank
      // (security.md §9); strict-origin never sends more than the origin, so the token stays here.
      .header('referrer-policy', 'strict-origin')
      .type('text/html; charset=utf-8')
      .send(renderPage(ctx.config.productName, page));
  }

  return async (app) => {
    // A form post from the page without its script; only these routes read that body type, the
    // API stays JSON only.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    for (const [path, spec] of Object.entries(pages)) {
      app.get(path, {
        schema: { hide: true, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }) },
      }, async (request, reply) => send(reply, 200, content(path, spec, (request.query as { token?: string }).token, null, true)));

      app.post(path, { schema: { hide: true, body: spec.body } }, async (request, reply) => {
        const form = request.body as Record<string, string>;
        try {
          const done = await spec.act(request, form);
          return send(reply, done.status, content(path, spec, form.token, { text: done.text, ok: true }, false));
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
          // A dead link is dead; any other refusal (a weak password, too many tries) may be retried.
          const retry = error.code !== 'INVALID_TOKEN';
          return send(reply, error.status, content(path, spec, form.token, { text: error.message, ok: false }, retry));
        }
      });
    }
    app.get('/assets/pages.js', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('text/javascript; charset=utf-8').send(script),
    );
    app.get('/assets/theme.css', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('text/css; charset=utf-8').send(stylesheet),
    );
  };
}
