// Helpers shared by the admin pages (Audiences, Imports, Exports, Integrations, Loyalty programs):
// cursor paging held in the URL, job status badges, and a link that fetches a fresh download URL.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageInfo } from '../../api/client';
import { humanize } from '../../components/format';
import { PAGE_SIZES, Pager } from '../../components/Pager';
import { setQuery } from '../../router';

export const DEFAULT_PAGE_SIZE = 20;

export interface PageState {
  pageSize: number;
  after: string | null;
  before: string | null;
}

/** The page (size and cursor) a list's URL holds: `first`, `after`, `before`. */
export function readPage(q: URLSearchParams): PageState {
  const n = Number(q.get('first'));
  const pageSize = (PAGE_SIZES as readonly number[]).includes(n) ? n : DEFAULT_PAGE_SIZE;
  return { pageSize, after: q.get('after'), before: q.get('before') };
}

/** API paging parameters for a page: `first` + `after`, or `last` + `before`. */
export function pageQuery(p: PageState): { first?: number; last?: number; after?: string; before?: string } {
  if (p.before) return { last: p.pageSize, before: p.before };
  return p.after ? { first: p.pageSize, after: p.after } : { first: p.pageSize };
}

export const CLEAR_PAGE = { first: null, after: null, before: null } as const;

/** The shared Pager, its state in the URL. */
export function UrlPager({
  pageInfo,
  page,
  busy,
  count,
  noun,
}: {
  pageInfo: PageInfo | null;
  page: PageState;
  busy: boolean;
  count: number;
  noun: string;
}) {
  return (
    <Pager
      pageInfo={pageInfo}
      pageSize={page.pageSize}
      busy={busy}
      summary={busy ? 'Loading…' : `${count} ${noun} on this page`}
      onNext={(after) => setQuery({ after, before: null })}
      onPrevious={(before) => setQuery({ before, after: null })}
      onPageSize={(n) =>
        setQuery({ first: n === DEFAULT_PAGE_SIZE ? null : String(n), after: null, before: null })
      }
    />
  );
}

const BADGES: Record<string, string> = {
  succeeded: 'badge-ok',
  failed: 'badge-bad',
  running: 'badge-info',
  processing: 'badge-info',
  pending: 'badge-warn',
  awaiting_upload: 'badge-warn',
};

/** A job's status as a badge ("Succeeded", "Running"…). */
export function JobStatus({ status }: { status: string }) {
  return <span class={`badge ${BADGES[status] ?? 'badge-off'}`}>{humanize(status)}</span>;
}

/** Whether a job is still moving. */
export function isRunning(status: string): boolean {
  return status === 'pending' || status === 'running' || status === 'processing' || status === 'awaiting_upload';
}

/**
 * Calls `tick` every `ms` while `active`, stopping on unmount. The tick's own errors are its
 * business; a tick is never started while the previous one runs.
 */
export function usePolling(active: boolean, tick: (signal: AbortSignal) => Promise<unknown>, ms = 1000): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const ctl = new AbortController();
    let timer: number | undefined;
    const run = () => {
      timer = window.setTimeout(() => {
        tickRef
          .current(ctl.signal)
          .catch(() => undefined)
          .finally(() => {
            if (!ctl.signal.aborted) run();
          });
      }, ms);
    };
    run();
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
  }, [active, ms]);
}

/**
 * A link to a short-lived download URL. `href` is a console URL that works when opened in a new
 * tab; a plain click fetches a fresh URL (`fresh()`) and goes there, so a URL that expired while
 * the page stayed open is never used.
 */
export function DownloadLink({
  href,
  fresh,
  onError,
  class: cls,
  children,
}: {
  href: string;
  fresh: () => Promise<string | null | undefined>;
  onError: (e: unknown) => void;
  class?: string;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <a
      href={href}
      class={cls}
      aria-busy={busy || undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        if (busy) return;
        setBusy(true);
        fresh()
          .then((url) => {
            if (url) window.location.assign(url);
            else onError(new Error('The file is not ready to download.'));
          })
          .catch(onError)
          .finally(() => setBusy(false));
      }}
    >
      {children}
    </a>
  );
}

/** Key figures as a description list: [label, value] pairs. */
export function Figures({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="figures admin-figures">
      {items.map(([k, v]) => (
        <div class="figure" key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
