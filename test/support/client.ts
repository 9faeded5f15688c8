// A small HTTP client over fastify.inject that behaves like a browser (cookie jar, Origin on
// unsafe requests) or like an API client (bearer token).
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PUBLIC_ORIGIN } from './app.ts';

export const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

export interface ClientOptions {
  /** The Origin sent on unsafe requests; the app's PUBLIC_URL by default. */
  origin?: string;
  userAgent?: string;
  ip?: string;
  bearer?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class Client {
  cookie: string | null = null;
  bearer: string | null;
  readonly userAgent: string;
  readonly ip: string;
  readonly origin: string;
  private readonly app: FastifyInstance;

  constructor(app: FastifyInstance, options: ClientOptions = {}) {
    this.app = app;
    this.userAgent = options.userAgent ?? CHROME_MAC;
    this.ip = options.ip ?? '127.0.0.1';
    this.bearer = options.bearer ?? null;
    this.origin = options.origin ?? PUBLIC_ORIGIN;
  }

  async request(method: Method, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const sent: Record<string, string> = { 'user-agent': this.userAgent };
    if (method !== 'GET') sent.origin = this.origin;
    if (this.cookie) sent.cookie = this.cookie;
    if (this.bearer) sent.authorization = `Bearer ${this.bearer}`;
    if (body !== undefined) sent['content-type'] = 'application/json';
    Object.assign(sent, headers);
    for (const [name, value] of Object.entries(sent)) if (value === '') delete sent[name];
    // light-my-request adds a user agent of its own unless told there is none.
    const noUserAgent = sent['user-agent'] === undefined ? { 'user-agent': undefined } : {};
    const response = await this.app.inject({
      method,
      url,
      headers: { ...sent, ...noUserAgent },
      remoteAddress: this.ip,
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const setCookie = response.cookies.find((c) => c.name.endsWith('gatehouse_session'));
    if (setCookie) {
      const cleared = !setCookie.value || (setCookie.expires !== undefined && setCookie.expires.getTime() < Date.now());
      this.cookie = cleared ? null : `${setCookie.name}=${setCookie.value}`;
    }
    return response;
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, undefined, headers);
  }
  post(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', url, body ?? {}, headers);
  }
  put(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PUT', url, body ?? {}, headers);
  }
  patch(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', url, body ?? {}, headers);
  }
  delete(url: string, headers?: Record<string, string>) {
    return this.request('DELETE', url, undefined, headers);
  }
}

let counter = 0;
export const STRONG_PASSWORD = 'violet-harbor-quantum-47';

export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${process.pid}.${counter}@example.com`;
}

/** The status a fresh browser gets signing in with these credentials. */
export async function signInStatus(app: FastifyInstance, email: string, password: string): Promise<number> {
  return (await new Client(app).post('/api/auth/login', { email, password })).statusCode;
}

/** Registers a new user through the API and returns a signed-in browser for them. */
export async function signedUpBrowser(app: FastifyInstance, options: ClientOptions & { email?: string; password?: string; displayName?: string } = {}) {
  const client = new Client(app, options);
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? STRONG_PASSWORD;
  const response = await client.post('/api/auth/register', { email, password, ...(options.displayName ? { displayName: options.displayName } : {}) });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  return { client, email, password, user: response.json().user as { id: string; email: string } };
}

/** Signs in an existing user as an API client and returns a client holding the bearer token. */
export async function bearerClient(app: FastifyInstance, email: string, password: string, options: ClientOptions = {}) {
  const client = new Client(app, options);
  const response = await client.post('/api/auth/login', { email, password }, { 'x-session-transport': 'bearer', origin: '' });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  client.bearer = response.json().session.token;
  return { client, session: response.json().session as { id: string; token: string } };
}
