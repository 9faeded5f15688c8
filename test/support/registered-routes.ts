// The routes an app actually registered, read from Fastify's route tree, so the sweeping tests
// (bad input on every route, OpenAPI lists every route) follow the app as modules are added.
import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** Fastify syntax: /api/auth/sessions/:id */
  url: string;
}

/** Parses `printRoutes({ commonPrefix: false })`: one node per line, children indented by 4. */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const prefixes: string[] = [];
  const routes: RegisteredRoute[] = [];
  for (const line of tree.split('\n')) {
    if (!line.trim()) continue;
    const match = /^((?:[│ ] {3})*)[├└]── (.+?) \(([^)]*)\)$/.exec(line);
    if (!match) throw new Error(`unexpected printRoutes line: ${JSON.stringify(line)}`);
    const depth = (match[1] ?? '').length / 4;
    const url = (depth > 0 ? (prefixes[depth - 1] ?? '') : '') + (match[2] ?? '');
    prefixes[depth] = url;
    prefixes.length = depth + 1;
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method && method !== '-' && method !== 'HEAD') routes.push({ method, url });
    }
  }
  if (routes.length === 0) throw new Error(`no routes parsed from:\n${tree}`);
  return routes;
}

/** A concrete URL for a route: every path parameter becomes a well-formed, unknown UUID. */
export function concreteUrl(url: string): string {
  return url.replace(/:[A-Za-z_]+/g, '00000000-0000-4000-8000-000000000000');
}

/** /api/auth/sessions/:id → /api/auth/sessions/{id} (OpenAPI path syntax). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}');
}
