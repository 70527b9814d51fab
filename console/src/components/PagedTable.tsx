// A list page's table: one page of a cursor-paged API list, its page held in the URL (usePagedList),
// shown as a table with "Loading…" / empty rows and the pager under it (PagedTable).
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import type { PageInfo } from '../api/client';
import { useLocation } from '../router';
import { pageQuery, readPage, UrlPager, type PageState } from './Pager';
import { EmptyRow, TableHead, TableWrap, type Column } from './Table';
import { useAsync, type AsyncState } from './useAsync';

export type PageQuery = ReturnType<typeof pageQuery>;

/**
 * The page the URL asks for and its load (again when the page or `deps` change). A second list in
 * the same view keeps its page under a `prefix` (see pageParams), and its PagedTable says the same.
 */
export function usePagedList<T>(
  load: (query: PageQuery, signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[] = [],
  prefix = '',
): { page: PageState; list: AsyncState<T> } {
  const loc = useLocation();
  const page = useMemo(() => readPage(new URLSearchParams(loc.search), prefix), [loc.search, prefix]);
  const query = pageQuery(page);
  const list = useAsync((signal) => load(query, signal), [...deps, JSON.stringify(query)]);
  return { page, list };
}

/** The page's rows as a table (a row per item, else "Loading…", "No more <noun>." or `empty`), then the pager. */
export function PagedTable<T>({
  label,
  labelledBy,
  columns,
  rows,
  list,
  page,
  noun,
  empty,
  prefix,
  pager,
  children,
}: {
  /** The scroll region's name, and the table's unless `labelledBy` names it. */
  label: string;
  /** The id of the heading that names the table. */
  labelledBy?: string;
  columns: readonly Column[];
  rows: readonly T[];
  list: { data: { pageInfo: PageInfo } | null; loading: boolean };
  page: PageState;
  /** What the rows are: "audiences" ("No more audiences.", "20 audiences on this page"). */
  noun: string;
  /** The text of an empty first page: "No audiences yet." */
  empty: string;
  /** Where the URL holds the page, as given to usePagedList. */
  prefix?: string;
  /** The pager's name, when the view has two. */
  pager?: string;
  children: (row: T) => ComponentChildren;
}) {
  return (
    <>
      <TableWrap label={label}>
        <table aria-label={labelledBy ? undefined : label} aria-labelledby={labelledBy}>
          <TableHead columns={columns} />
          <tbody>
            {rows.map(children)}
            {!rows.length && (
              <EmptyRow colSpan={columns.length}>
                {list.loading ? 'Loading…' : page.after || page.before ? `No more ${noun}.` : empty}
              </EmptyRow>
            )}
          </tbody>
        </table>
      </TableWrap>
      <UrlPager
        pageInfo={list.data?.pageInfo ?? null}
        page={page}
        busy={list.loading}
        count={rows.length}
        noun={noun}
        prefix={prefix}
        label={pager}
      />
    </>
  );
}
