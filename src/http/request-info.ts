// What a route hands a service about the caller's connection. The address is canonical
// (client-address.ts), so every limit, event and session row sees one address one way.
import type { FastifyRequest } from 'fastify';
import type { RequestInfo } from '../context.ts';
import { normalizeAddress } from './client-address.ts';

/** For a connection whose address cannot be read at all (a socket already gone). */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The client's address: request.ip (the right-most hop not trusted under TRUST_PROXY) in canonical
 * form. When a trusted proxy forwarded something that is not an address ("unknown", a host name),
 * the nearest hop that is one stands in for it: the proxy that wrote it, at worst the socket peer.
 */
export function clientAddress(request: FastifyRequest): string {
  // request.ips: the socket's address first, then X-Forwarded-For from right to left, ending with
  // request.ip; undefined when no proxy is trusted.
  const hops = request.ips ?? [request.ip];
  for (let hop = hops.length - 1; hop >= 0; hop -= 1) {
    const address = normalizeAddress(hops[hop] ?? '');
    if (address !== null) return address;
  }
  return UNKNOWN_ADDRESS;
}

export function requestInfo(request: FastifyRequest): RequestInfo {
  return { ip: clientAddress(request), userAgent: request.headers['user-agent'] };
}
