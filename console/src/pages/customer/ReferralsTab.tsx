// Referrals (seed 003: "your customer's referral codes" and "referred customers"): two paged tables,
// newest first, each with its page in the URL (the codes' under `codes…`, see pageParams).
// Referral codes (GET /consumers/{id}/referral-codes): code, status, uses, expiry, creation;
// "Create referral code" opens CreateReferralCodeDialog (ReferralCodeDialog.tsx) and the new code takes
// the focus. Referred customers (GET /consumers/{id}/referrals): each person who joined or ordered with
// one of the codes (a link to their page, named once GET /consumers/{id} answers for the page's rows),
// the code, what they came with (an order, or their sign-up), the points each side was given, the date.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Consumer, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { formatDate, formatDateTime, formatNumber } from '../../components/format';
import { PagedTable, usePagedList } from '../../components/PagedTable';
import { pageParams } from '../../components/Pager';
import type { Column } from '../../components/Table';
import { Link, setQuery } from '../../router';
import { useWriteGuard } from '../../session';
import { CreateReferralCodeDialog, type ReferralCode } from './ReferralCodeDialog';
import { displayName, uses, type CustomerDetail } from './util';

type Referral = Schemas['Referral'];

/** Where the URL holds the codes' page (the referred customers' is the plain `first`/`after`/`before`). */
export const CODES_PAGE = 'codes';
const CODES_HEADING = 'referral-codes-heading';
const REFERRED_HEADING = 'referred-customers-heading';

const STATUSES: Record<Schemas['ReferralCodeStatus'], [label: string, badge: string]> = {
  active: ['Active', 'badge-ok'],
  used_up: ['Used up', 'badge-info'],
  expired: ['Expired', 'badge-off'],
};
const CODE_COLUMNS: Column[] = ['Code', 'Status', { label: 'Uses', num: true }, 'Expires', 'Created'];
const REFERRED_COLUMNS: Column[] = [
  'Referred customer',
  'Code',
  'Came with',
  { label: 'Points (advocate / referred)', num: true },
  'Date',
];
/** Names fetched at once for the referred customers shown. */
const NAME_FETCHES = 4;

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function When({ iso }: { iso: string }) {
  return (
    <time dateTime={iso}>
      {formatDate(iso)}
      <span class="muted small cell-note">{timeFmt.format(new Date(iso))}</span>
    </time>
  );
}

/** "2 of 10" / "2 · unlimited". */
const usage = (c: ReferralCode) =>
  c.usageLimit == null
    ? `${formatNumber(c.usageCount)} · unlimited`
    : `${formatNumber(c.usageCount)} of ${formatNumber(c.usageLimit)}`;

export function ReferralsTab({ consumer }: { consumer: CustomerDetail }) {
  const guard = useWriteGuard();
  const codes = usePagedList(
    (query, signal) => api.get('/consumers/{id}/referral-codes', { path: { id: consumer.id }, query, signal }),
    [consumer.id],
    CODES_PAGE,
  );
  const referred = usePagedList(
    (query, signal) => api.get('/consumers/{id}/referrals', { path: { id: consumer.id }, query, signal }),
    [consumer.id],
  );
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // The code just created: once the list has it, its code (the row's header) takes the focus.
  const [focusCode, setFocusCode] = useState<string | null>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const codeRows = codes.list.data?.data ?? [];
  const referredRows = referred.list.data?.data ?? [];
  const people = usePeople(referredRows.map((r) => r.referredId));

  useEffect(() => {
    if (!focusCode || codes.list.loading) return;
    setFocusCode(null);
    const cell = wrap.current?.querySelector<HTMLElement>(`th[data-code="${CSS.escape(focusCode)}"]`);
    (cell ?? wrap.current?.querySelector<HTMLElement>('.table-wrap'))?.focus();
  }, [focusCode, codes.list.loading, codes.list.data]);

  function created(c: ReferralCode) {
    setOpen(false);
    const limit = c.usageLimit == null ? 'unlimited uses' : `up to ${uses(c.usageLimit)}`;
    const until = c.expiresAt ? `, until ${formatDateTime(c.expiresAt)}` : '';
    setNotice(`Referral code ${c.code} created: ${limit}${until}.`);
    setFocusCode(c.code);
    // Newest first: the first page has it.
    const { after, before } = pageParams(CODES_PAGE);
    if (codes.page.after || codes.page.before) setQuery({ [after]: null, [before]: null });
    else codes.list.reload();
  }

  const refusal = consumer.blocked ? 'blocked' : consumer.status === 'inactive' ? 'inactive' : null;
  return (
    <div class="referrals-tab" ref={wrap}>
      <div class="toolbar">
        <h2 class="tab-title" id={CODES_HEADING}>
          Referral codes
        </h2>
        <span class="spacer" />
        <button
          type="button"
          class="button-primary"
          {...guard()}
          onClick={() => {
            setNotice(null);
            setOpen(true);
          }}
        >
          Create referral code
        </button>
      </div>
      <p class="muted small">
        The codes this customer shares. Whoever joins or orders with one is listed under Referred customers, once.
      </p>
      {refusal && (
        <p class="alert alert-info">
          This customer is {refusal}: people who come with its codes are still recorded, but it gets no referral points
          while it is {refusal}.
        </p>
      )}
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={codes.list.error} />
      <PagedTable
        label="Referral codes"
        labelledBy={CODES_HEADING}
        columns={CODE_COLUMNS}
        rows={codeRows}
        list={codes.list}
        page={codes.page}
        prefix={CODES_PAGE}
        pager="Pages of referral codes"
        noun="codes"
        empty="This customer has no referral code yet."
      >
        {(c) => {
          const [label, badge] = STATUSES[c.status] ?? [c.status, 'badge-off'];
          return (
            <tr key={c.code}>
              <th scope="row" data-code={c.code} tabIndex={-1}>
                {c.code}
              </th>
              <td>
                <span class={`badge ${badge}`}>{label}</span>
              </td>
              <td class="num">{usage(c)}</td>
              <td>
                {c.expiresAt ? (
                  <time dateTime={c.expiresAt}>{formatDateTime(c.expiresAt)}</time>
                ) : (
                  <span class="muted">Never</span>
                )}
              </td>
              <td>
                <When iso={c.createdAt} />
              </td>
            </tr>
          );
        }}
      </PagedTable>

      <h2 class="tab-title" id={REFERRED_HEADING}>
        Referred customers
      </h2>
      <ErrorMessage error={referred.list.error} />
      <PagedTable
        label="Referred customers"
        labelledBy={REFERRED_HEADING}
        columns={REFERRED_COLUMNS}
        rows={referredRows}
        list={referred.list}
        page={referred.page}
        pager="Pages of referred customers"
        noun="referred customers"
        empty="Nobody has come with this customer’s codes yet."
      >
        {(r) => <ReferredRow key={r.referredId} r={r} person={people.get(r.referredId)} />}
      </PagedTable>
      <CreateReferralCodeDialog
        open={open}
        consumerId={consumer.id}
        onClose={() => setOpen(false)}
        onDone={created}
      />
    </div>
  );
}

/** `person`: the referred customer (null: no longer found; undefined: not known yet). */
function ReferredRow({ r, person }: { r: Referral; person: Consumer | null | undefined }) {
  return (
    <tr>
      <th scope="row">
        {person === null ? (
          <>
            {r.referredId} <span class="muted small">(no longer found)</span>
          </>
        ) : (
          <Link href={`/app/customers/${encodeURIComponent(r.referredId)}`}>
            {person ? displayName(person) : r.referredId}
          </Link>
        )}
        {person?.externalId && (
          <>
            {' '}
            <span class="muted small cell-note">{person.externalId}</span>
          </>
        )}
      </th>
      <td>{r.code}</td>
      <td>{r.orderId ? `Order ${r.orderId}` : 'Sign-up'}</td>
      <td class="num">
        {r.rewardedAt ? (
          `${formatNumber(r.advocatePoints ?? 0)} / ${formatNumber(r.referredPoints ?? 0)}`
        ) : (
          <span class="muted">None given</span>
        )}
      </td>
      <td>
        <When iso={r.createdAt} />
      </td>
    </tr>
  );
}

/**
 * The customers with these ids (GET /consumers/{id}, a few at a time; each once, kept across pages):
 * id → the customer, null when it is gone, absent while unknown (or when its call failed).
 */
function usePeople(ids: readonly string[]): Map<string, Consumer | null> {
  const [known, setKnown] = useState<Map<string, Consumer | null>>(() => new Map());
  const asked = useRef(new Set<string>());
  const key = ids.join(' ');
  useEffect(() => {
    const ctl = new AbortController();
    const todo = ids.filter((id) => !asked.current.has(id));
    let next = 0;
    async function worker() {
      for (let id = todo[next++]; id !== undefined && !ctl.signal.aborted; id = todo[next++]) {
        asked.current.add(id);
        try {
          const c = await api.get('/consumers/{id}', { path: { id }, signal: ctl.signal });
          setKnown((m) => new Map(m).set(id, c));
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) setKnown((m) => new Map(m).set(id, null));
          else asked.current.delete(id); // aborted or failed: the id stays shown, asked again next time
        }
      }
    }
    for (let i = 0; i < Math.min(NAME_FETCHES, todo.length); i++) void worker();
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return known;
}
