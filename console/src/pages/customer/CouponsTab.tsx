// Coupons (seed 003): the coupons issued to this customer, newest first (GET /consumers/{id}/coupons,
// its page in the URL): code, discount, status, uses, expiry, creation and the orders that redeemed
// it. "Issue coupon" opens IssueCouponDialog (CouponDialog.tsx); the new coupon's code takes the focus.
// Amounts are in the customer's currency as its newest order has it (a plain figure when it has none).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { formatDate, formatDateTime, formatNumber } from '../../components/format';
import { PagedTable, usePagedList } from '../../components/PagedTable';
import type { Column } from '../../components/Table';
import { useAsync } from '../../components/useAsync';
import { setQuery } from '../../router';
import { useWriteGuard } from '../../session';
import { IssueCouponDialog, type Coupon } from './CouponDialog';
import { couponValue, uses, type CustomerDetail } from './util';

const STATUSES: Record<Schemas['CouponStatus'], [label: string, badge: string]> = {
  active: ['Active', 'badge-ok'],
  redeemed: ['Redeemed', 'badge-info'],
  expired: ['Expired', 'badge-off'],
};
const COLUMNS: Column[] = ['Code', 'Discount', 'Status', { label: 'Uses', num: true }, 'Expires', 'Created', 'Orders'];
/** Redemptions listed in a row before the rest fold under "N more". */
const LISTED = 3;

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function CouponsTab({ consumer }: { consumer: CustomerDetail }) {
  const guard = useWriteGuard();
  const { page, list } = usePagedList(
    (query, signal) => api.get('/consumers/{id}/coupons', { path: { id: consumer.id }, query, signal }),
    [consumer.id],
  );
  const currency = useAsync(
    (signal) =>
      api
        .get('/consumers/{id}/orders', { path: { id: consumer.id }, query: { first: 1 }, signal })
        .then((p) => p.data[0]?.currency ?? null),
    [consumer.id],
  ).data;
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // The coupon just issued: once the list has it, its code (the row's header) takes the focus.
  const [focusCode, setFocusCode] = useState<string | null>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const rows = list.data?.data ?? [];

  useEffect(() => {
    if (!focusCode || list.loading) return;
    setFocusCode(null);
    const cell = wrap.current?.querySelector<HTMLElement>(`th[data-code="${CSS.escape(focusCode)}"]`);
    (cell ?? wrap.current?.querySelector<HTMLElement>('.table-wrap'))?.focus();
  }, [focusCode, list.loading, list.data]);

  function issued(c: Coupon) {
    setOpen(false);
    setNotice(`Coupon ${c.code} issued: ${couponValue(c.type, c.value, currency)}, ${uses(c.usageLimit)}.`);
    setFocusCode(c.code);
    // Newest first: the first page has it.
    if (page.after || page.before) setQuery({ after: null, before: null });
    else list.reload();
  }

  const refusal = consumer.blocked ? 'blocked' : consumer.status === 'inactive' ? 'inactive' : null;
  return (
    <div class="coupons-tab" ref={wrap}>
      <div class="toolbar">
        <h2 class="tab-title">Coupons issued to this customer</h2>
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
          Issue coupon
        </button>
      </div>
      {refusal && (
        <p class="alert alert-info">
          This customer is {refusal}: its orders redeem no coupons until it is{' '}
          {refusal === 'blocked' ? 'unblocked' : 'active again'}.
        </p>
      )}
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={list.error} />
      <PagedTable
        label="Coupons"
        columns={COLUMNS}
        rows={rows}
        list={list}
        page={page}
        noun="coupons"
        empty="No coupon has been issued to this customer yet."
      >
        {(c) => {
          const [label, badge] = STATUSES[c.status] ?? [c.status, 'badge-off'];
          const more = c.redemptions.length - LISTED;
          const redemption = (r: Coupon['redemptions'][number]) => (
            <li key={r.orderId}>
              {r.orderId}{' '}
              <time class="muted small" dateTime={r.redeemedAt}>
                {formatDate(r.redeemedAt)}
              </time>
            </li>
          );
          return (
            <tr key={c.code}>
              <th scope="row" data-code={c.code} tabIndex={-1}>
                {c.code}
              </th>
              <td>{couponValue(c.type, c.value, currency)}</td>
              <td>
                <span class={`badge ${badge}`}>{label}</span>
              </td>
              <td class="num">
                {formatNumber(c.redemptionCount)} of {formatNumber(c.usageLimit)}
              </td>
              <td>
                {c.expiresAt ? (
                  <time dateTime={c.expiresAt}>{formatDateTime(c.expiresAt)}</time>
                ) : (
                  <span class="muted">Never</span>
                )}
              </td>
              <td>
                <time dateTime={c.createdAt}>
                  {formatDate(c.createdAt)}
                  <span class="muted small cell-note">{timeFmt.format(new Date(c.createdAt))}</span>
                </time>
              </td>
              <td>
                {c.redemptions.length ? (
                  <ul class="cell-list" aria-label={`Orders that redeemed ${c.code}`}>
                    {c.redemptions.slice(0, LISTED).map(redemption)}
                    {more > 0 && (
                      <li>
                        <details>
                          <summary>{formatNumber(more)} more</summary>
                          <ul class="cell-list">{c.redemptions.slice(LISTED).map(redemption)}</ul>
                        </details>
                      </li>
                    )}
                  </ul>
                ) : (
                  <span class="muted">None yet</span>
                )}
              </td>
            </tr>
          );
        }}
      </PagedTable>
      <IssueCouponDialog
        open={open}
        consumerId={consumer.id}
        currency={currency}
        onClose={() => setOpen(false)}
        onDone={issued}
      />
    </div>
  );
}
