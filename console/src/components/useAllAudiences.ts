// Every audience of the organization (up to 1,000, 100 a page): for pickers (Customers' filter and
// "Add to audience", a customer's "Join").
import { api, collectAll, type Audience } from '../api/client';
import { useAsync, type AsyncState } from './useAsync';

const MAX_AUDIENCES_LISTED = 1000;

export function useAllAudiences(): AsyncState<Audience[]> {
  return useAsync(
    (signal) =>
      collectAll<Audience>(
        (after) => api.get('/audiences', { query: { first: 100, after }, signal }),
        undefined,
        MAX_AUDIENCES_LISTED,
      ),
    [],
  );
}
