// What the Achievements and Budgets tabs share: the organization's program names (by id) and the
// currency of the customer's newest order (for spend figures; none when it has no order).
import { useMemo } from 'preact/hooks';
import { api, collectAll, type LoyaltyProgram } from '../../api/client';
import { useAsync } from '../../components/useAsync';

/** Program id → name (the id itself shows until they load, or if one is gone). */
export function useProgramNames(): Map<string, string> {
  const programs = useAsync(
    (signal) =>
      collectAll<LoyaltyProgram>(
        (after) => api.get('/loyalty-programs', { query: { first: 100, after }, signal }),
        undefined,
        500,
      ),
    [],
  );
  return useMemo(() => new Map((programs.data ?? []).map((p) => [p.id, p.name])), [programs.data]);
}

/** The currency of the customer's newest order, loaded only when `wanted`. */
export function useOrderCurrency(consumerId: string, wanted: boolean): string | null {
  return (
    useAsync(
      (signal) =>
        wanted
          ? api
              .get('/consumers/{id}/orders', { path: { id: consumerId }, query: { first: 1 }, signal })
              .then((p) => p.data[0]?.currency ?? null)
          : Promise.resolve(null),
      [consumerId, wanted],
    ).data ?? null
  );
}
