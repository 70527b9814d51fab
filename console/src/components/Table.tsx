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

/** A column heading: its text, `{ label, num }` (figures, right-aligned) or `{ label, hidden }` (for screen readers only). */
export type Column = string | { label: string; num?: boolean; hidden?: boolean };

/** The "Actions" column of row buttons (its heading is for assistive technology only). */
export const ACTIONS: Column = { label: 'Actions', hidden: true };

/** <thead> with one row of column headings. */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => {
          const { label, num, hidden } = typeof c === 'string' ? { label: c, num: false, hidden: false } : c;
          return (
            <th scope="col" key={label} class={num ? 'num' : undefined}>
              {hidden ? <span class="sr-only">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
