// What a bulk action acts on: picked ids, or every customer matching the view (paged through).
import { api, collectAll } from '../../api/client';
import { filterParams, type View } from './view';

/** `total` is known (from the overview) only when no filter or search narrows the list. */
export type Target = { kind: 'ids'; ids: string[] } | { kind: 'matching'; view: View; total: number | null };

/** The API's batch limit for consumerIds. */
export const BATCH = 500;

export function describeTarget(t: Target): string {
  if (t.kind === 'ids') return `${t.ids.length} selected ${t.ids.length === 1 ? 'customer' : 'customers'}`;
  return t.total !== null
    ? `all ${t.total.toLocaleString()} customers`
    : 'all customers matching the search and filters';
}

/**
 * The ids of the target. For "all matching", walks the list's pages (100 at a time) with the
 * view's filters and search; there is no API that acts on a filter directly.
 */
export async function resolveIds(t: Target, signal: AbortSignal, onProgress: (n: number) => void): Promise<string[]> {
  if (t.kind === 'ids') return t.ids;
  const query = filterParams(t.view);
  const rows = await collectAll(
    (after) => api.get('/consumers', { query: { ...query, first: 100, after }, signal }),
    onProgress,
  );
  return [...new Set(rows.map((c) => c.id))];
}

export function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
