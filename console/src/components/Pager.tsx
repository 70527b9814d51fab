// Cursor paging: "Previous" / "Next" buttons and a "Page size" select.
import type { PageInfo } from '../api/client';
import { SelectField } from './Field';

export const PAGE_SIZES = [20, 50, 100] as const;

interface PagerProps {
  pageInfo: PageInfo | null;
  pageSize: number;
  onPrevious: (before: string) => void;
  onNext: (after: string) => void;
  onPageSize: (n: number) => void;
  /** A short text such as "20 shown". */
  summary?: string;
  busy?: boolean;
}

export function Pager({ pageInfo, pageSize, onPrevious, onNext, onPageSize, summary, busy }: PagerProps) {
  const prev = pageInfo?.hasPreviousPage ? pageInfo.startCursor : null;
  const next = pageInfo?.hasNextPage ? pageInfo.endCursor : null;
  return (
    <nav class="pager" aria-label="Pages">
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
