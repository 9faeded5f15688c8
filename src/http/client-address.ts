// Client addresses in one canonical form, so one address is one key everywhere: an IPv4-mapped
// IPv6 address is its IPv4 address, and 203.000.113.009 or ::FFFF:cb00:7109 are written the one
// way. Shorthand forms some parsers accept (0x7f.1, octal 010.1.1.1) are not addresses here.
import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

const DOTTED_DECIMAL = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The canonical text of an address, or null when the text is not an IP address. */
export function normalizeAddress(raw: string): string | null {
  const text = raw.trim();
  const dotted = DOTTED_DECIMAL.exec(text);
  if (dotted) {
    const octets = dotted.slice(1).map((part) => Number.parseInt(part, 10));
    return octets.every((octet) => octet <= 255) ? octets.join('.') : null;
  }
  if (!isIPv6(text)) return null;
  return ipaddr.process(text).toString(); // ::ffff:a.b.c.d becomes a.b.c.d; IPv6 in RFC 5952 form
}

/**
 * The bucket an address counts against in per-address limits: an IPv4 address itself, or the /64
 * an IPv6 address sits in (a subscriber gets a whole /64, so every address in it is one client).
 */
export function addressBucket(address: string): string {
  const canonical = normalizeAddress(address);
  if (canonical === null) return address;
  const parsed = ipaddr.parse(canonical);
  if (parsed.kind() === 'ipv4') return canonical;
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
