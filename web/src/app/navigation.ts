// Where to go after signing in: the page that asked for it (`?next=`), only ever a path on this site.
export function safeNext(value: string | null | undefined, fallback = '/settings'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}

/** The sign-in address that comes back to the current page (path and #section) afterwards. */
export function signInFor(path: string, hash: string): string {
  return `/login?next=${encodeURIComponent(path + hash)}`;
}
