// Cursor paging: "Previous" / "Next" buttons and a "Page size" select; the page of a list held in
// the URL (`first`, `after`, `before`) and its API parameters.
import type { PageInfo } from '../api/client';
import { setQuery } from '../router';
import { SelectField } from './Field';
import { formatNumber } from './format';

export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

interface PagerProps {
  pageInfo: PageInfo | null;
  pageSize: number;
  onPrevious: (before: string) => void;
  onNext: (after: string) => void;
  onPageSize: (n: number) => void;
  /** A short text such as "20 shown". */
  summary?: string;
  busy?: boolean;
  /** The navigation landmark's name. */
  label?: string;
}

export function Pager({ pageInfo, pageSize, onPrevious, onNext, onPageSize, summary, busy, label = 'Pages' }: PagerProps) {
  const prev = pageInfo?.hasPreviousPage ? pageInfo.startCursor : null;
  const next = pageInfo?.hasNextPage ? pageInfo.endCursor : null;
  return (
    <nav class="pager" aria-label={label}>
      {summary && <span class="muted">{summary}</span>}
      <SelectField
        class="inline"
        label="Page size"
        value={String(pageSize)}
        onValue={(v) => onPageSize(Number(v))}
        options={PAGE_SIZES.map((n) => ({ value: String(n), label: String(n) }))}
      />
      <button type="button" disabled={!prev || busy} onClick={() => prev && onPrevious(prev)}>
        Previous
      </button>
      <button type="button" disabled={!next || busy} onClick={() => next && onNext(next)}>
        Next
      </button>
    </nav>
  );
}

export interface PageState {
  pageSize: number;
  after: string | null;
  before: string | null;
}

/**
 * The URL parameters that hold a list's page: `first`, `after`, `before`; with a prefix (a second list
 * in the same view) `<prefix>First`, `<prefix>After`, `<prefix>Before`.
 */
export function pageParams(prefix = '') {
  const name = (k: string) => (prefix ? prefix + k[0]?.toUpperCase() + k.slice(1) : k);
  return { first: name('first'), after: name('after'), before: name('before') };
}

/** The page (size and cursor) a list's URL holds: `first` (one of PAGE_SIZES), `after`, `before` (see pageParams). */
export function readPage(q: URLSearchParams, prefix = ''): PageState {
  const p = pageParams(prefix);
  const n = Number(q.get(p.first));
  const pageSize = (PAGE_SIZES as readonly number[]).includes(n) ? n : DEFAULT_PAGE_SIZE;
  return { pageSize, after: q.get(p.after), before: q.get(p.before) };
}

/** API paging parameters for a page: `first` + `after`, or `last` + `before`. */
export function pageQuery(p: PageState): { first?: number; last?: number; after?: string; before?: string } {
  if (p.before) return { last: p.pageSize, before: p.before };
  return p.after ? { first: p.pageSize, after: p.after } : { first: p.pageSize };
}

/** URL changes back to the first page (at the default size) of the list under `prefix`. */
export function clearPage(prefix = ''): Record<string, null> {
  const p = pageParams(prefix);
  return { [p.first]: null, [p.after]: null, [p.before]: null };
}

/** URL changes back to the first page (at the default size). */
export const CLEAR_PAGE = { first: null, after: null, before: null } as const;

/** The Pager, its state in the URL (under `prefix`, see pageParams). */
export function UrlPager({
  pageInfo,
  page,
  busy,
  count,
  noun,
  prefix = '',
  label,
}: {
  pageInfo: PageInfo | null;
  page: PageState;
  busy: boolean;
  /** The rows shown and what they are: "20 audiences on this page". */
  count: number;
  noun: string;
  /** Where the URL holds the page (a second list in the same view). */
  prefix?: string;
  /** The navigation landmark's name (a view with two pagers names each). */
  label?: string;
}) {
  const p = pageParams(prefix);
  return (
    <Pager
      pageInfo={pageInfo}
      pageSize={page.pageSize}
      busy={busy}
      label={label}
      summary={busy ? 'Loading…' : `${formatNumber(count)} ${noun} on this page`}
      onNext={(after) => setQuery({ [p.after]: after, [p.before]: null })}
      onPrevious={(before) => setQuery({ [p.before]: before, [p.after]: null })}
      onPageSize={(n) =>
        setQuery({ [p.first]: n === DEFAULT_PAGE_SIZE ? null : String(n), [p.after]: null, [p.before]: null })
      }
    />
  );
}
