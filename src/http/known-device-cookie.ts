// The known-device cookie (security.md §6): HttpOnly, SameSite=Lax, Path=/, and Secure with the
// __Host- prefix under https, like the session cookie. Browsers only: a bearer client gets none.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';

/** A signed device cookie as issued (sign-in/known-device.ts). */
export interface KnownDeviceCookie {
  value: string;
  expiresAt: Date;
}

function knownDeviceCookieName(config: Config): string {
  return config.secureCookies ? '__Host-gatehouse_device' : 'gatehouse_device';
}

export function readKnownDeviceCookie(request: FastifyRequest, config: Config): string | undefined {
  return request.cookies[knownDeviceCookieName(config)];
}

export function setKnownDeviceCookie(reply: FastifyReply, config: Config, cookie: KnownDeviceCookie, now: Date): void {
  reply.setCookie(knownDeviceCookieName(config), cookie.value, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.max(0, Math.floor((cookie.expiresAt.getTime() - now.getTime()) / 1000)),
  });
}
