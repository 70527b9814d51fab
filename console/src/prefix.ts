// The path the console is mounted under: '' at the root (the local stack, a custom domain),
// "/<stage>" on API Gateway's default endpoint. The server writes it into index.html as
// <meta name="clientele-prefix" content="/dev"> (absent, e.g. a page opened from the build output: '').
//
// Every path inside the app stays logical ('/app/customers'); only what reaches the browser (the
// address bar, an href, a fetch) carries the prefix: toUrl() going out, fromUrl() coming in.

function read(): string {
  const content = document.querySelector<HTMLMetaElement>('meta[name="clientele-prefix"]')?.content ?? '';
  const p = content.trim().replace(/\/+$/, '');
  // Path segments only (never "//host", "..", a scheme or a query): anything else counts as none.
  return /^(?:\/[\w~-][\w.~-]*)*$/.test(p) ? p : '';
}

export const PREFIX = read();

/** A logical path ('/app/…', with an optional query) as the browser's URL. */
export function toUrl(path: string): string {
  return PREFIX + path;
}

/** The browser's location.pathname as a logical path ('/dev/app/customers' → '/app/customers'). */
export function fromUrl(pathname: string): string {
  if (!PREFIX) return pathname;
  if (pathname === PREFIX) return '/';
  return pathname.startsWith(`${PREFIX}/`) ? pathname.slice(PREFIX.length) : pathname;
}
