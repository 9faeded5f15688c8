// What we keep about the device behind a request (security.md §7: no raw IPs): a readable device label
// from the user agent, the IP as a keyed hash plus a masked form, and a coarse location looked up
// in an offline GeoIP database that ships with the fast-geoip package.
import geoip from 'fast-geoip';
import ipaddr from 'ipaddr.js';
import { UAParser } from 'ua-parser-js';
import type { Keyring } from '../crypto/keyring.ts';

export interface ClientContext {
  device: string;
  browser: string | null;
  os: string | null;
  userAgent: string | null;
  ipHash: string | null;
  ipMasked: string | null;
  location: string;
}

const MAX_USER_AGENT = 512;

function describeUserAgent(userAgent: string | undefined): Pick<ClientContext, 'device' | 'browser' | 'os'> {
  if (!userAgent) return { device: 'Unknown device', browser: null, os: null };
  const parsed = new UAParser(userAgent).getResult();
  const browser = parsed.browser.name ?? null;
  const os = parsed.os.name ? (parsed.os.name === 'Mac OS' ? 'macOS' : parsed.os.name) : null;
  const device = browser && os ? `${browser} on ${os}` : (browser ?? os ?? 'Unknown device');
  return { device, browser, os };
}

/** 203.0.113.x for IPv4 and the /48 prefix for IPv6: enough to recognise a network, not a host. */
function maskAddress(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (address.kind() === 'ipv4') {
    const [a, b, c] = (address as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.x`;
  }
  const parts = (address as ipaddr.IPv6).parts.slice(0, 3).map((p) => p.toString(16));
  return `${parts.join(':')}::x`;
}

const LOCAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'unspecified']);

async function locate(address: ipaddr.IPv4 | ipaddr.IPv6): Promise<string> {
  const range = address.range();
  if (LOCAL_RANGES.has(range)) return 'Local network';
  // Documentation, reserved and other special ranges have no place on a map.
  if (range !== 'unicast') return 'Unknown location';
  // The bundled database answers for IPv4 only.
  if (address.kind() !== 'ipv4') return 'Unknown location';
  const found = await geoip.lookup(address.toString()).catch(() => null);
  if (!found?.country) return 'Unknown location';
  return found.city ? `${found.city}, ${found.country}` : found.country;
}

/** Keyed hash of the address, normalised so ::ffff:1.2.3.4 and 1.2.3.4 hash alike. */
export function hashIp(keyring: Keyring, ip: string | undefined): string | null {
  if (!ip || !ipaddr.isValid(ip)) return null;
  return keyring.mac('ip-hash', ipaddr.process(ip).toString());
}

export async function describeClient(keyring: Keyring, ip: string | undefined, userAgent: string | undefined): Promise<ClientContext> {
  const ua = userAgent ? userAgent.slice(0, MAX_USER_AGENT) : undefined;
  const described = describeUserAgent(ua);
  if (!ip || !ipaddr.isValid(ip)) {
    return { ...described, userAgent: ua ?? null, ipHash: null, ipMasked: null, location: 'Unknown location' };
  }
  const address = ipaddr.process(ip); // ::ffff:1.2.3.4 becomes 1.2.3.4
  return {
    ...described,
    userAgent: ua ?? null,
    ipHash: hashIp(keyring, ip),
    ipMasked: maskAddress(address),
    location: await locate(address),
  };
}
