// Customers list (/app/customers): overview figures, search, filters, sortable columns, cursor
// paging, bulk actions (add to audience, update status, export) and "Add customer".
// The view (search, filters, sort, page size, cursor) lives in the URL: share, reload, Back.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Consumer, type SortBy, type SortDir } from '../api/client';
import { ErrorMessage, StatusMessage } from '../components/Alert';
import { SelectField, TextField } from '../components/Field';
import { takeFlash } from '../components/flash';
import { formatDate, formatMoney, formatNumber, humanize } from '../components/format';
import { UrlPager } from '../components/Pager';
import { EmptyRow, SortHeader, TableWrap } from '../components/Table';
import { useAllAudiences } from '../components/useAllAudiences';
import { useAsync } from '../components/useAsync';
import { usePageTitle } from '../components/usePageTitle';
import { Link, setQuery, useLocation } from '../router';
import { useWriteGuard } from '../session';
import { AddCustomerDialog } from './customers/AddCustomerDialog';
import { AddToAudienceDialog, UpdateStatusDialog } from './customers/BulkDialogs';
import type { Target } from './customers/bulk';
import { ExportDialog } from './customers/ExportDialog';
import { Overview } from './customers/Overview';
import {
  FILTER_KEYS,
  isFiltered,
  listQuery,
  MIN_SEARCH,
  readView,
  searchTerm,
  SOURCE_LABELS,
  CONSENT_STATES,
  SOURCES,
  type FilterKey,
  type View,
} from './customers/view';

const CONSENT_OPTIONS = [{ value: '', label: 'Any' }, ...CONSENT_STATES.map((s) => ({ value: s, label: humanize(s) }))];

const SEARCH_DELAY_MS = 350;
const CLEAR_CURSOR = { after: null, before: null } as const;

interface Column {
  label: string;
  sortKey?: SortBy;
  /** Direction of a first click. */
  firstDir?: SortDir;
  num?: boolean;
}

const COLUMNS: Column[] = [
  { label: 'Name', sortKey: 'fullName', firstDir: 'asc' },
  { label: 'Email', sortKey: 'email', firstDir: 'asc' },
  { label: 'Phone' },
  { label: 'Status' },
  { label: 'Membership' },
  { label: 'Verified' },
  { label: 'Points', sortKey: 'points', firstDir: 'desc', num: true },
  { label: 'Tier' },
  { label: 'Amount spent', sortKey: 'totalOrderValue', firstDir: 'desc', num: true },
  { label: 'Orders', sortKey: 'totalOrders', firstDir: 'desc', num: true },
  { label: 'Last activity', sortKey: 'lastActivityAt', firstDir: 'desc' },
  { label: 'Created', sortKey: 'createdAt', firstDir: 'desc' },
  { label: 'Date joined', sortKey: 'memberSince', firstDir: 'desc' },
];

type DialogName = 'add' | 'audience' | 'status' | 'export' | null;

/** A page's label for "Select <email>": the email, else the phone, else the name or id. */
function rowLabel(c: Consumer): string {
  return c.email ?? c.phone ?? c.fullName ?? c.externalId ?? c.id;
}

/** Navigate to a view change; any change of the set clears the cursor. */
function changeFilters(changes: Partial<Record<FilterKey, string>>, replace = false) {
  setQuery({ ...changes, ...CLEAR_CURSOR }, { replace });
}

export default function CustomersPage() {
  usePageTitle('Customers');
  const guard = useWriteGuard();
  const loc = useLocation();
  const view = useMemo(() => readView(new URLSearchParams(loc.search)), [loc.search]);
  const query = useMemo(() => listQuery(view), [view]);
  const queryKey = JSON.stringify(query);
  const setKey = JSON.stringify(FILTER_KEYS.map((k) => view.filters[k]));

  const list = useAsync((signal) => api.get('/consumers', { query, signal }), [queryKey]);
  const stats = useAsync((signal) => api.get('/consumers/stats', { query: { interval: 'week', periods: 12 }, signal }), []);
  const audiences = useAllAudiences();
  const programs = useAsync((signal) => api.get('/loyalty-programs', { query: { first: 100 }, signal }), []);

  // ---- selection: picked ids (kept across pages) or "all matching" ---------------------------
  const [picked, setPicked] = useState<Map<string, string>>(() => new Map());
  const [allMatching, setAllMatching] = useState(false);
  const firstSet = useRef(setKey);
  useEffect(() => {
    if (firstSet.current === setKey) return;
    firstSet.current = setKey;
    setPicked(new Map());
    setAllMatching(false);
  }, [setKey]);

  const [dialog, setDialog] = useState<DialogName>(null);
  const [notice, setNotice] = useState<ComponentChildren>(takeFlash);  // e.g. after an erasure

  const rows = list.data?.data ?? [];
  const pageInfo = list.data?.pageInfo ?? null;
  const filtered = isFiltered(view);
  const total = stats.data?.total ?? null;

  const tiers = useMemo(() => {
    const names = new Set<string>();
    const primary = programs.data?.data.find((p) => p.primary);
    for (const t of primary?.tiers ?? []) names.add(t.name);
    for (const t of Object.keys(stats.data?.byTier ?? {})) names.add(t);
    if (view.filters.tier) names.add(view.filters.tier);
    return [...names];
  }, [programs.data, stats.data, view.filters.tier]);

  const audienceList = audiences.data ?? [];
  const audienceOptions = useMemo(() => {
    const opts = audienceList.map((a) => ({ value: a.id, label: a.name }));
    if (view.filters.audienceId && !opts.some((o) => o.value === view.filters.audienceId)) {
      opts.push({ value: view.filters.audienceId, label: view.filters.audienceId });
    }
    return opts;
  }, [audienceList, view.filters.audienceId]);

  const target: Target = allMatching
    ? { kind: 'matching', view, total: filtered ? null : total }
    : picked.size
      ? { kind: 'ids', ids: [...picked.keys()] }
      : { kind: 'matching', view, total: filtered ? null : total };
  const hasSelection = allMatching || picked.size > 0;

  // scroll the table back to its top when the page changes
  const tableRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    tableRef.current?.querySelector('.table-wrap')?.scrollTo({ top: 0 });
  }, [queryKey]);

  function onSort(key: string, dir: 'asc' | 'desc') {
    setQuery({ sortBy: key, sortDir: dir, ...CLEAR_CURSOR });
  }

  function togglePick(c: Consumer, on: boolean) {
    const next = new Map(picked);
    if (on) next.set(c.id, rowLabel(c));
    else next.delete(c.id);
    setPicked(next);
  }

  const pageAllPicked = rows.length > 0 && rows.every((c) => picked.has(c.id));
  function togglePage(on: boolean) {
    const next = new Map(picked);
    for (const c of rows) {
      if (on) next.set(c.id, rowLabel(c));
      else next.delete(c.id);
    }
    setPicked(next);
  }

  function afterWrite(message: ComponentChildren) {
    setNotice(message);
    list.reload();
    stats.reload();
  }

  // sort shown: the URL's; else createdAt desc unless a search orders by its matching word
  const searching = searchTerm(view) !== null;
  const activeSort: string | null = view.sortBy ?? (searching ? null : 'createdAt');
  const invalidCursor = list.error instanceof ApiError && /cursor/i.test(list.error.message);

  return (
    <section class="page customers">
      <header class="page-head">
        <h1>Customers</h1>
        <span class="spacer" />
        <button type="button" class="button-primary" {...guard()} onClick={() => setDialog('add')}>
          Add customer
        </button>
      </header>

      <Overview stats={stats.data} error={stats.error} />

      <StatusMessage>{notice}</StatusMessage>

      <Filters view={view} tiers={tiers} audiences={audienceOptions} />

      <div class="bulkbar" role="group" aria-label="Bulk actions">
        <label class="check">
          <input
            type="checkbox"
            checked={allMatching}
            onChange={(e) => {
              setAllMatching(e.currentTarget.checked);
              if (e.currentTarget.checked) setPicked(new Map());
            }}
          />
          Select all matching
        </label>
        <span class="muted small" aria-live="polite">
          {allMatching
            ? filtered
              ? 'All customers matching the search and filters are selected'
              : `All ${total === null ? '' : `${formatNumber(total)} `}customers are selected`
            : picked.size
              ? `${formatNumber(picked.size)} selected`
              : 'None selected: Export takes the whole list'}
        </span>
        {picked.size > 0 && (
          <button type="button" class="button-quiet" onClick={() => setPicked(new Map())}>
            Clear selection
          </button>
        )}
        <span class="spacer" />
        <button type="button" {...guard(!hasSelection)} onClick={() => setDialog('audience')}>
          Add to audience
        </button>
        <button type="button" {...guard(!hasSelection)} onClick={() => setDialog('status')}>
          Update status
        </button>
        <button type="button" {...guard()} onClick={() => setDialog('export')}>
          Export
        </button>
      </div>

      {list.error !== null && (
        <ErrorMessage error={list.error}>
          {invalidCursor && (
            <p>
              <button type="button" onClick={() => setQuery({ ...CLEAR_CURSOR })}>
                Go to the first page
              </button>
            </p>
          )}
        </ErrorMessage>
      )}

      <div ref={tableRef}>
        <TableWrap label="Customers">
          <table class="customers-table" aria-busy={list.loading ? 'true' : 'false'}>
            <caption class="sr-only">
              Customers{searching ? `, search “${searchTerm(view)}”` : ''}
              {activeSort ? '' : ', best matches first'}
            </caption>
            <thead>
              <tr>
                <th scope="col" class="col-check">
                  <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    checked={allMatching || pageAllPicked}
                    disabled={allMatching || rows.length === 0}
                    onChange={(e) => togglePage(e.currentTarget.checked)}
                  />
                </th>
                {COLUMNS.map((c) =>
                  c.sortKey ? (
                    <SortHeader
                      key={c.label}
                      label={c.label}
                      sortKey={c.sortKey}
                      activeKey={activeSort}
                      activeDir={view.sortBy ? view.sortDir : 'desc'}
                      firstDir={c.firstDir}
                      onSort={onSort}
                      class={c.num ? 'num' : undefined}
                    />
                  ) : (
                    <th key={c.label} scope="col" class={c.num ? 'num' : undefined}>
                      {c.label}
                    </th>
                  ),
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <Row
                  key={c.id}
                  c={c}
                  checked={allMatching || picked.has(c.id)}
                  disabled={allMatching}
                  onToggle={(on) => togglePick(c, on)}
                />
              ))}
              {rows.length === 0 && (
                <EmptyRow colSpan={COLUMNS.length + 1}>
                  {list.loading && !list.data
                    ? 'Loading customers…'
                    : list.error
                      ? 'The customers could not be loaded.'
                      : pageInfo?.hasNextPage
                        ? 'No customers on this stretch of the list; more may follow: use Next.'
                        : filtered
                          ? 'No customers match the search and filters.'
                          : 'No customers yet.'}
                </EmptyRow>
              )}
            </tbody>
          </table>
        </TableWrap>
      </div>

      <UrlPager pageInfo={pageInfo} page={view} busy={list.loading} count={rows.length} noun="customers" />

      <AddCustomerDialog
        open={dialog === 'add'}
        onClose={() => setDialog(null)}
        onCreated={(c) => {
          setDialog(null);
          afterWrite(
            <>
              Customer <Link href={`/app/customers/${encodeURIComponent(c.id)}`}>{c.email ?? c.id}</Link> added.
            </>,
          );
        }}
      />
      <AddToAudienceDialog
        open={dialog === 'audience'}
        target={target}
        audiences={audienceList}
        onClose={() => setDialog(null)}
        onDone={() => {
          list.reload();
          audiences.reload();
        }}
      />
      <UpdateStatusDialog
        open={dialog === 'status'}
        target={target}
        onClose={() => setDialog(null)}
        onDone={() => {
          list.reload();
          stats.reload();
        }}
      />
      <ExportDialog open={dialog === 'export'} target={target} onClose={() => setDialog(null)} />
    </section>
  );
}

function Row({
  c,
  checked,
  disabled,
  onToggle,
}: {
  c: Consumer;
  checked: boolean;
  disabled: boolean;
  onToggle: (on: boolean) => void;
}) {
  const href = `/app/customers/${encodeURIComponent(c.id)}`;
  return (
    <tr class={checked ? 'selected' : undefined}>
      <td class="col-check">
        <input
          type="checkbox"
          aria-label={`Select ${rowLabel(c)}`}
          checked={checked}
          disabled={disabled}
          onChange={(e) => onToggle(e.currentTarget.checked)}
        />
      </td>
      {/* one link a row: the name, else the email, else the id */}
      <td class="cell-name">{c.fullName ? <Link href={href}>{c.fullName}</Link> : c.email ? '—' : <Link href={href}>{c.id}</Link>}</td>
      <td>{c.email && !c.fullName ? <Link href={href}>{c.email}</Link> : (c.email ?? '—')}</td>
      <td>{c.phone ?? '—'}</td>
      <td>
        <span class={`badge ${c.status === 'active' ? 'badge-ok' : 'badge-off'}`}>
          {c.status === 'active' ? 'Active' : 'Inactive'}
        </span>
      </td>
      <td>{c.membership === 'member' ? 'Member' : 'Guest'}</td>
      <td>{c.verified ? 'Yes' : 'No'}</td>
      <td class="num">{formatNumber(c.loyalty?.points ?? 0)}</td>
      <td>{c.loyalty?.tier ?? '—'}</td>
      <td class="num">{formatMoney(c.totalOrderValue)}</td>
      <td class="num">{formatNumber(c.totalOrders)}</td>
      <td>{formatDate(c.lastActivityAt)}</td>
      <td>{formatDate(c.createdAt)}</td>
      <td>{formatDate(c.memberSince)}</td>
    </tr>
  );
}

function Filters({ view, tiers, audiences }: { view: View; tiers: string[]; audiences: { value: string; label: string }[] }) {
  const f = view.filters;
  // the search box: typed text goes to the URL after a pause (Enter: at once)
  const [text, setText] = useState(f.search);
  const pushed = useRef(f.search);
  useEffect(() => {
    if (f.search !== pushed.current) {
      pushed.current = f.search;
      setText(f.search);
    }
  }, [f.search]);
  useEffect(() => {
    if (text === pushed.current) return;
    const t = window.setTimeout(() => commitSearch(text), SEARCH_DELAY_MS);
    return () => window.clearTimeout(t);
  }, [text]);

  function commitSearch(value: string) {
    const replace = pushed.current.trim() !== '' && value.trim() !== '';
    pushed.current = value;
    changeFilters({ search: value }, replace);
  }

  const short = text.trim().length > 0 && text.trim().length < MIN_SEARCH;
  const any = FILTER_KEYS.some((k) => f[k] !== '');
  const set = (k: FilterKey) => (v: string) => changeFilters({ [k]: v });

  return (
    <div class="filters panel">
      <form
        role="search"
        class="searchrow"
        onSubmit={(e) => {
          e.preventDefault();
          commitSearch(text);
        }}
      >
        <TextField
          class="search-field"
          label="Search customers"
          type="search"
          placeholder="Name, email or phone"
          autoComplete="off"
          spellcheck={false}
          value={text}
          onValue={setText}
          hint={short ? `Type at least ${MIN_SEARCH} characters.` : undefined}
        />
        <div class="filter-clear">
          <button
            type="button"
            class="button-quiet"
            disabled={!any}
            onClick={() => {
              const cleared = Object.fromEntries(FILTER_KEYS.map((k) => [k, null]));
              pushed.current = '';
              setText('');
              setQuery({ ...cleared, ...CLEAR_CURSOR });
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <div class="filter-grid" role="group" aria-label="Filters">
        <SelectField
          label="Status"
          value={f.status}
          onValue={set('status')}
          options={[
            { value: '', label: 'Any' },
            { value: 'active', label: 'Active' },
            { value: 'inactive', label: 'Inactive' },
          ]}
        />
        <SelectField
          label="Membership"
          value={f.membership}
          onValue={set('membership')}
          options={[
            { value: '', label: 'Any' },
            { value: 'member', label: 'Member' },
            { value: 'guest', label: 'Guest' },
          ]}
        />
        <SelectField
          label="Verified"
          value={f.verified}
          onValue={set('verified')}
          options={[
            { value: '', label: 'Any' },
            { value: 'true', label: 'Verified' },
            { value: 'false', label: 'Not verified' },
          ]}
        />
        <SelectField
          label="Tier"
          value={f.tier}
          onValue={set('tier')}
          options={[{ value: '', label: 'Any' }, ...tiers.map((t) => ({ value: t, label: t }))]}
        />
        <SelectField
          label="Audience"
          value={f.audienceId}
          onValue={set('audienceId')}
          options={[{ value: '', label: 'Any' }, ...audiences]}
        />
        <SelectField
          label="Source"
          value={f.source}
          onValue={set('source')}
          options={[{ value: '', label: 'Any' }, ...SOURCES.map((s) => ({ value: s, label: SOURCE_LABELS[s] }))]}
        />
        <SelectField label="Email consent" value={f.emailConsent} onValue={set('emailConsent')} options={CONSENT_OPTIONS} />
        <SelectField label="SMS consent" value={f.smsConsent} onValue={set('smsConsent')} options={CONSENT_OPTIONS} />
        <TextField class="date" label="Created from" type="date" value={f.createdFrom} onValue={set('createdFrom')} max={f.createdTo || undefined} />
        <TextField class="date" label="Created to" type="date" value={f.createdTo} onValue={set('createdTo')} min={f.createdFrom || undefined} />
        <TextField
          class="date"
          label="Last activity from"
          type="date"
          value={f.lastActivityFrom}
          onValue={set('lastActivityFrom')}
          max={f.lastActivityTo || undefined}
        />
        <TextField
          class="date"
          label="Last activity to"
          type="date"
          value={f.lastActivityTo}
          onValue={set('lastActivityTo')}
          min={f.lastActivityFrom || undefined}
        />
      </div>
    </div>
  );
}
