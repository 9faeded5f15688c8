// The web pages behind the links in emails (SPEC §2: PUBLIC_URL/verify-email?token=…,
// /reset-password?token=…, /confirm-email-change?token=…) and the forgot-password form. Plain
// HTML and one script from our own origin, so helmet's strict Content-Security-Policy holds.
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';

// web/ sits at the package root, the same distance from src/ and from the built dist/.
const script = readFileSync(new URL('../../../web/pages.js', import.meta.url), 'utf8');

interface PageSpec {
  page: string;
  title: string;
  intro: string;
  fields: string;
  button: string;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(product: string, spec: PageSpec, minLength: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(spec.title)} · ${escapeHtml(product)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f6f9; color: #1b1b1b; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  main { background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 2px 12px rgba(0,0,0,.08); width: min(420px, 92vw); }
  h1 { font-size: 1.4rem; color: #1f3a5f; margin-top: 0; }
  label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
  input { width: 100%; padding: .6rem; font-size: 1rem; border: 1px solid #b8c2cc; border-radius: 6px; box-sizing: border-box; }
  button { margin-top: 1.2rem; width: 100%; padding: .7rem; font-size: 1rem; background: #1f3a5f; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }
  button:disabled { opacity: .6; }
  .ok { color: #17653a; } .error { color: #a11; }
  .product { color: #667; font-size: .9rem; }
</style>
</head>
<body data-page="${spec.page}">
<main>
  <p class="product">${escapeHtml(product)}</p>
  <h1>${escapeHtml(spec.title)}</h1>
  <p>${escapeHtml(spec.intro)}</p>
  <form>${spec.fields.replace('{{minLength}}', String(minLength))}<button type="submit">${escapeHtml(spec.button)}</button></form>
  <p role="status" aria-live="polite"></p>
</main>
<script src="/assets/pages.js" defer></script>
</body>
</html>`;
}

const pages: Record<string, PageSpec> = {
  '/verify-email': { page: 'verify-email', title: 'Confirm your email address', intro: 'Press the button to confirm this email address belongs to you.', fields: '', button: 'Confirm email address' },
  '/confirm-email-change': { page: 'confirm-email-change', title: 'Confirm your new email address', intro: 'Press the button to move your account to this email address.', fields: '', button: 'Confirm new address' },
  '/reset-password': {
    page: 'reset-password',
    title: 'Choose a new password',
    intro: 'Every session will be signed out. Use at least {{minLength}} characters; a few unrelated words make a strong password.',
    fields: '<label for="newPassword">New password</label><input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="{{minLength}}" maxlength="256">',
    button: 'Set new password',
  },
  '/forgot-password': {
    page: 'forgot-password',
    title: 'Forgot your password?',
    intro: 'Enter your email address and we will send you a link to choose a new password.',
    fields: '<label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="email" required maxlength="254">',
    button: 'Send reset link',
  },
};

export function webRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    for (const [path, spec] of Object.entries(pages)) {
      const html = render(ctx.config.productName, { ...spec, intro: spec.intro.replace('{{minLength}}', String(ctx.config.passwordMinLength)) }, ctx.config.passwordMinLength);
      app.get(path, {
        schema: { hide: true, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }) },
      }, async (_request, reply) => reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html));
    }
    app.get('/assets/pages.js', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('text/javascript; charset=utf-8').send(script),
    );
  };
}
