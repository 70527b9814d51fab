// Table helpers: a scrolling wrapper with a sticky header, sortable header cells, empty rows.
import type { ComponentChildren } from 'preact';

/** A scroll container for a wide table; the <thead> stays in view (CSS .table-wrap). */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export type SortDirection = 'asc' | 'desc';

interface SortHeaderProps {
  label: string;
  /** This column's sort key. */
  sortKey: string;
  /** The active sort key and direction (null: the list's own order). */
  activeKey: string | null;
  activeDir: SortDirection;
  onSort: (key: string, dir: SortDirection) => void;
  /** Direction of a first click on this column. */
  firstDir?: SortDirection;
  class?: string;
}

/** <th aria-sort> with a <button> named by the column: a click sorts, a second click reverses. */
export function SortHeader({ label, sortKey, activeKey, activeDir, onSort, firstDir = 'asc', class: cls }: SortHeaderProps) {
  const active = activeKey === sortKey;
  const ariaSort = active ? (activeDir === 'asc' ? 'ascending' : 'descending') : 'none';
  const nextDir: SortDirection = active ? (activeDir === 'asc' ? 'desc' : 'asc') : firstDir;
  return (
    <th scope="col" aria-sort={ariaSort} class={cls}>
      <button type="button" class="sort-button" onClick={() => onSort(sortKey, nextDir)}>
        {label}
        <span class="sort-icon" aria-hidden="true">
          {active ? (activeDir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** A full-width row for "loading", "no results" and the like. */
export function EmptyRow({ colSpan, children }: { colSpan: number; children: ComponentChildren }) {
  return (
    <tr class="empty-row">
      <td colSpan={colSpan}>{children}</td>
    </tr>
  );
}
