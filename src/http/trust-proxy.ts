// TRUST_PROXY as Fastify's trustProxy option (security.md §7). Fastify 5 no longer accepts a bare
// hop count (it trusts nothing then), so a hop count becomes the function Express uses: the first
// N addresses, counted from the socket, are proxies; request.ip is the next one to the left.
import type { FastifyServerOptions } from 'fastify';
import type { TrustProxy } from '../config.ts';

export function trustProxyOption(setting: TrustProxy): FastifyServerOptions['trustProxy'] {
  if (setting === false) return false;
  if ('hops' in setting) {
    const { hops } = setting;
    return (_address: string, hop: number) => hop < hops;
  }
  return setting.proxies;
}
