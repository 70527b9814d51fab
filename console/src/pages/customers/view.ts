// The Customers list's view (search, filters, sort, page size, cursor) as held in the URL,
// and its translation into GET /consumers query parameters.
import type { SortBy, SortDir } from '../../api/client';
import type { operations } from '../../api/schema';
import { localDayStart } from '../../components/format';
import { pageQuery, readPage, type PageState } from '../../components/Pager';

export type ListQuery = NonNullable<operations['listConsumers']['parameters']['query']>;

/** URL parameters that choose the set of customers (a change resets cursor and selection). */
export const FILTER_KEYS = [
  'search',
  'status',
  'membership',
  'verified',
  'tier',
  'audienceId',
  'source',
  'emailConsent',
  'smsConsent',
  'createdFrom',
  'createdTo',
  'lastActivityFrom',
  'lastActivityTo',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const SORT_KEYS: readonly SortBy[] = [
  'createdAt',
  'email',
  'fullName',
  'lastOrderAt',
  'totalOrderValue',
  'totalOrders',
  'lastActivityAt',
  'points',
  'memberSince',
];

/** The paths a customer comes in through (GET /consumers `source`), as the Source filter offers them. */
export const SOURCES = ['api', 'console', 'import', 'klaviyo', 'shopify'] as const;
export type Source = (typeof SOURCES)[number];
export const SOURCE_LABELS: Record<Source, string> = {
  api: 'API',
  console: 'Console',
  import: 'Import',
  klaviyo: 'Klaviyo',
  shopify: 'Shopify',
};

/** Marketing consent states (GET /consumers `emailConsent`, `smsConsent`), as the consent filters offer them. */
export const CONSENT_STATES = ['subscribed', 'unsubscribed', 'never_subscribed'] as const;
type ConsentState = (typeof CONSENT_STATES)[number];
const isConsentState = (value: string): value is ConsentState => (CONSENT_STATES as readonly string[]).includes(value);

/** A search needs a word of at least 2 characters. */
export const MIN_SEARCH = 2;

/** The filters, the sort and the page (size and cursor, components/Pager). */
export interface View extends PageState {
  filters: Record<FilterKey, string>;
  /** null: the API's own order (createdAt desc, or a search's matching-word order). */
  sortBy: SortBy | null;
  sortDir: SortDir;
}

export function readView(q: URLSearchParams): View {
  const filters = {} as Record<FilterKey, string>;
  for (const k of FILTER_KEYS) filters[k] = q.get(k) ?? '';
  const sb = q.get('sortBy') as SortBy | null;
  const sortBy = sb && SORT_KEYS.includes(sb) ? sb : null;
  const sortDir: SortDir = q.get('sortDir') === 'asc' ? 'asc' : 'desc';
  return { filters, sortBy, sortDir, ...readPage(q) };
}

export function searchTerm(v: View): string | null {
  const s = v.filters.search.trim();
  return s.length >= MIN_SEARCH ? s : null;
}

/** Whether any filter or search narrows the list. */
export function isFiltered(v: View): boolean {
  return FILTER_KEYS.some((k) => (k === 'search' ? searchTerm(v) !== null : v.filters[k] !== ''));
}

/** The filters and search as API parameters (shared by the list, bulk collection and exports). */
export function filterParams(v: View): Omit<ListQuery, 'first' | 'last' | 'after' | 'before' | 'include'> {
  const f = v.filters;
  const out: Omit<ListQuery, 'first' | 'last' | 'after' | 'before' | 'include'> = {};
  const s = searchTerm(v);
  if (s) out.search = s;
  if (f.status === 'active' || f.status === 'inactive') out.status = f.status;
  if (f.membership === 'member' || f.membership === 'guest') out.membership = f.membership;
  if (f.verified === 'true' || f.verified === 'false') out.verified = f.verified === 'true';
  if (f.tier) out.tier = f.tier;
  if (f.audienceId) out.audienceId = f.audienceId;
  if ((SOURCES as readonly string[]).includes(f.source)) out.source = f.source as Source;
  if (isConsentState(f.emailConsent)) out.emailConsent = f.emailConsent;
  if (isConsentState(f.smsConsent)) out.smsConsent = f.smsConsent;
  // "from" days include their whole day and "to" days too: before = the next day's start (local time).
  const ca = localDayStart(f.createdFrom);
  const cb = localDayStart(f.createdTo, 1);
  const la = localDayStart(f.lastActivityFrom);
  const lb = localDayStart(f.lastActivityTo, 1);
  if (ca) out.createdAfter = ca;
  if (cb) out.createdBefore = cb;
  if (la) out.lastActivityAfter = la;
  if (lb) out.lastActivityBefore = lb;
  return out;
}

/** The sort as API parameters (none: the API's default order). */
export function sortParams(v: View): Pick<ListQuery, 'sortBy' | 'sortDir'> {
  return v.sortBy ? { sortBy: v.sortBy, sortDir: v.sortDir } : {};
}

/** GET /consumers parameters for the page the view shows. */
export function listQuery(v: View): ListQuery {
  return { ...filterParams(v), ...sortParams(v), ...pageQuery(v) };
}
