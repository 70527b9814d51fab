// A tiny history-API router: the location as state, navigate(), <Link>, and route matching.
// Paths here are logical ('/app/customers'): the mount prefix (prefix.ts) is added on the way to the
// browser (pushState, href) and dropped on the way back (location.pathname).
import type { ComponentChildren, PartialAnchorHTMLAttributes } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fromUrl, toUrl } from './prefix';

export interface Loc {
  /** The logical path (no mount prefix, no trailing slash), e.g. "/app/customers". */
  path: string;
  /** The query string with its "?" ('' when none). */
  search: string;
}

const listeners = new Set<() => void>();

function current(): Loc {
  const path = fromUrl(window.location.pathname).replace(/\/+$/, '') || '/';
  return { path, search: window.location.search };
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** Go to `to` (a logical path with an optional query). `replace` swaps the history entry. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = toUrl(to);
  if (url === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  listeners.forEach((l) => l());
}

/** The current location; re-renders on navigate() and Back/Forward. */
export function useLocation(): Loc {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    update();
    return () => void listeners.delete(update);
  }, []);
  return loc;
}

/** The query of the current location as URLSearchParams (a fresh copy each render). */
export function useQuery(): URLSearchParams {
  return new URLSearchParams(useLocation().search);
}

/**
 * Change some query parameters (null/'' removes one) and navigate.
 * Used by list pages whose view (search, filters, sort, cursor) lives in the URL.
 */
export function setQuery(changes: Record<string, string | null | undefined>, opts: { replace?: boolean } = {}): void {
  const { path, search } = current();
  const q = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(path + (s ? `?${s}` : ''), opts);
}

/** Match "/app/customers/:id" against a logical path; the params, or null (also for a malformed %-escape). */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const a = path.split('/');
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] ?? '';
    const got = a[i] ?? '';
    if (seg.startsWith(':')) {
      if (!got) return null;
      try {
        params[seg.slice(1)] = decodeURIComponent(got);
      } catch {
        return null;
      }
    } else if (seg !== got) return null;
  }
  return params;
}

type LinkProps = Omit<PartialAnchorHTMLAttributes<HTMLAnchorElement>, 'href' | 'role'> & {
  href: string;
  replace?: boolean;
  children?: ComponentChildren;
};

/**
 * An <a> that navigates in the app (a plain left click), and is a normal link otherwise (new tab,
 * copy link): `href` is logical, the rendered href carries the mount prefix.
 */
export function Link({ href, replace, onClick, ...rest }: LinkProps) {
  return (
    <a
      href={toUrl(href)}
      onClick={(e) => {
        if (onClick) (onClick as (ev: MouseEvent) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href, { replace });
      }}
      {...rest}
    />
  );
}

/**
 * After a navigation, the new page's h1 (else its <main>) takes focus, so a screen reader announces
 * the page (App does it on each change of path; a page whose query shows another view may too).
 */
export function focusPage(): void {
  const main = document.getElementById('main');
  const target = main?.querySelector<HTMLElement>('h1') ?? main;
  if (!target) return;
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}
