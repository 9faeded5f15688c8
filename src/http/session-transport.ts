// How a session token travels. Browsers get the cookie of security.md §3 (HttpOnly, SameSite=Lax,
// Secure and the __Host- prefix under https). An API client that sends
// `X-Session-Transport: bearer` gets the token in the JSON body instead, and no cookie, and sends
// it back as `Authorization: Bearer <token>`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';

export type TokenSource = 'cookie' | 'bearer';

export function sessionCookieName(config: Config): string {
  return config.secureCookies ? '__Host-gatehouse_session' : 'gatehouse_session';
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function readSessionToken(request: FastifyRequest, config: Config): { token: string; source: TokenSource } | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    return match?.[1] && TOKEN_SHAPE.test(match[1]) ? { token: match[1], source: 'bearer' } : null;
  }
  const cookie = request.cookies[sessionCookieName(config)];
  return cookie && TOKEN_SHAPE.test(cookie) ? { token: cookie, source: 'cookie' } : null;
}

/** Every well-formed session token the request carries, bearer and cookie alike: a sign-in ends them all. */
export function presentedSessionTokens(request: FastifyRequest, config: Config): string[] {
  const bearer = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const cookie = request.cookies[sessionCookieName(config)];
  return [bearer, cookie].filter((token): token is string => token !== undefined && TOKEN_SHAPE.test(token));
}

export function wantsBearerToken(request: FastifyRequest): boolean {
  return request.headers['x-session-transport'] === 'bearer';
}

interface IssuedSession {
  token: string;
  persistent: boolean;
  expiresAt: Date;
}

/**
 * Sets the cookie, or returns the token for the body when the client asked for a bearer token —
 * or, when a session's token is renewed, when the client sent the old one as a bearer token.
 */
export function deliverSessionToken(request: FastifyRequest, reply: FastifyReply, config: Config, issued: IssuedSession, now: Date): { token?: string } {
  if (wantsBearerToken(request) || request.authSource === 'bearer') return { token: issued.token };
  reply.setCookie(sessionCookieName(config), issued.token, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'lax',
    path: '/',
    // Without "stay signed in" the cookie ends with the browser session.
    ...(issued.persistent ? { maxAge: Math.max(0, Math.floor((issued.expiresAt.getTime() - now.getTime()) / 1000)) } : {}),
  });
  return {};
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(sessionCookieName(config), { path: '/', httpOnly: true, secure: config.secureCookies, sameSite: 'lax' });
}

export function trustedDeviceCookieName(config: Config): string {
  return config.secureCookies ? '__Host-gatehouse_trusted_device' : 'gatehouse_trusted_device';
}

export function readTrustedDeviceToken(request: FastifyRequest, config: Config): string | undefined {
  const value = request.cookies[trustedDeviceCookieName(config)];
  return value && TOKEN_SHAPE.test(value) ? value : undefined;
}

/** "Remember this device": a 30-day cookie for this browser only. */
export function setTrustedDeviceCookie(reply: FastifyReply, config: Config, token: string, expiresAt: Date, now: Date): void {
  reply.setCookie(trustedDeviceCookieName(config), token, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
  });
}
