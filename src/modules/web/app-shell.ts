// The web app (web/, React): built by Vite into dist/web and served here. Hashed files under
// /assets/ are cached for a year; index.html is never cached and answers every path the app
// routes in the browser. With `dev` (npm run dev) Vite runs inside this server instead, with hot
// reload on the same origin, so the CSRF check and cookies behave as in production.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

// web/ and dist/ sit at the package root, the same distance from src/ and from the built dist/.
const WEB_DIR = new URL('../../../web/', import.meta.url);
const BUILD_DIR = new URL('../../../dist/web/', import.meta.url);

/** The paths the app routes in the browser; each answers index.html (the app reads the rest). */
export const WEB_APP_PATHS = ['/', '/login', '/register', '/login/2fa', '/settings'] as const;

const NOT_BUILT = 'The web app has not been built. Run `npm run build` (or `npm run build:web`), then restart.';

function sendIndex(reply: FastifyReply, html: string) {
  return reply
    .header('cache-control', 'no-store')
    // The app's requests must carry our Origin for the CSRF check, which helmet's no-referrer
    // would blank (security.md §9); same-origin sends nothing to any other site.
    .header('referrer-policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(html);
}

/**
 * Development only: Vite's client injects its styles as <style> elements and the React plugin adds
 * one inline module script, which the strict policy refuses. Allow exactly those scripts (by hash)
 * and inline styles, on the dev server's index.html alone.
 */
function devContentSecurityPolicy(policy: string, html: string): string {
  const hashes = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map(
    (match) => `'sha256-${createHash('sha256').update(match[1] ?? '').digest('base64')}'`,
  );
  return policy
    .split(';')
    .map((directive) => {
      const name = directive.trim().split(/\s+/)[0];
      if (name === 'script-src') return `${directive} ${hashes.join(' ')}`;
      if (name === 'style-src') return `${directive} 'unsafe-inline'`;
      return directive;
    })
    .join(';');
}

async function serveBuilt(app: FastifyInstance): Promise<void> {
  const indexFile = new URL('index.html', BUILD_DIR);
  const index = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : null;
  if (index === null) app.log.warn(NOT_BUILT);
  const assets = new URL('assets/', BUILD_DIR);
  if (existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: fileURLToPath(assets),
      prefix: '/assets/',
      // Names carry a hash of the content: a new build makes new names.
      immutable: true,
      maxAge: '365d',
      index: false,
      decorateReply: false,
    });
  }
  for (const path of WEB_APP_PATHS) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      index === null ? reply.status(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(NOT_BUILT) : sendIndex(reply, index),
    );
  }
}

async function serveDev(app: FastifyInstance): Promise<void> {
  // Development dependencies, loaded only here, so a production install never needs them.
  const { createServer } = await import('vite');
  const { default: middie } = await import('@fastify/middie');
  const vite = await createServer({
    configFile: fileURLToPath(new URL('vite.config.ts', WEB_DIR)),
    appType: 'custom',
    server: { middlewareMode: true, hmr: { server: app.server } },
  });
  await app.register(middie);
  app.use(vite.middlewares);
  app.addHook('onClose', () => vite.close());
  const template = fileURLToPath(new URL('index.html', WEB_DIR));
  for (const path of WEB_APP_PATHS) {
    app.get(path, { schema: { hide: true } }, async (request: FastifyRequest, reply) => {
      const html = await vite.transformIndexHtml(request.url, readFileSync(template, 'utf8'));
      const policy = String(reply.getHeader('content-security-policy') ?? '');
      return sendIndex(reply.header('content-security-policy', devContentSecurityPolicy(policy, html)), html);
    });
  }
}

/** Not encapsulated: in development Vite's middleware must also see requests no route matches (its modules). */
export function webAppRoutes(options: { dev: boolean }) {
  return fp(async (app: FastifyInstance) => (options.dev ? serveDev(app) : serveBuilt(app)), { name: 'web-app' });
}
