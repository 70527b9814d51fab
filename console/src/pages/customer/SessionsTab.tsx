// Sessions (seed 003): the customer's orders, each a session, newest first (GET /consumers/{id}/orders,
// its page in the URL): placed, order (with the coupon it redeemed under its name), state, items in
// session, returned items, amount, discount, paid, refunded, points earned. Row actions as the state allows: "Close session" (open), "Return items"
// (closed, partially returned) and "Cancel order" (all but cancelled), in SessionDialogs.tsx.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { formatDate, formatMoney, formatNumber } from '../../components/format';
import { NamedButton } from '../../components/NamedButton';
import { PagedTable, usePagedList } from '../../components/PagedTable';
import { ACTIONS, type Column } from '../../components/Table';
import { useAction } from '../../components/useAction';
import { CancelOrderDialog, refusable, ReturnItemsDialog } from './SessionDialogs';
import { orderName, returnedByLine, type CustomerDetail, type Order } from './util';

type State = Schemas['OrderState'];

const STATES: Record<State, [label: string, badge: string]> = {
  open: ['Open', 'badge-info'],
  closed: ['Closed', 'badge-ok'],
  partially_returned: ['Partially returned', 'badge-warn'],
  cancelled: ['Cancelled', 'badge-off'],
};
const COLUMNS: Column[] = [
  'Placed',
  'Order',
  'State',
  { label: 'Items in session', num: true },
  { label: 'Returned items', num: true },
  { label: 'Amount', num: true },
  { label: 'Discount', num: true },
  { label: 'Paid', num: true },
  { label: 'Refunded', num: true },
  { label: 'Points earned', num: true },
  ACTIONS,
];

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);
const points = (m: Record<string, number> | undefined) => sum(Object.values(m ?? {}));

type Dialog = { kind: 'return' | 'cancel'; id: string } | null;

export function SessionsTab({ consumer, onChanged }: { consumer: CustomerDetail; onChanged: () => void }) {
  const { page, list } = usePagedList(
    (query, signal) => api.get('/consumers/{id}/orders', { path: { id: consumer.id }, query, signal }),
    [consumer.id],
  );
  const closing = useAction();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The order acted on: once the list has its new state, focus goes to its row's first action left
  // (the button used may be gone: a closed session has no "Close session").
  const [focusRow, setFocusRow] = useState<string | null>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const rows = list.data?.data ?? [];

  useEffect(() => {
    if (!focusRow || list.loading) return;
    setFocusRow(null);
    const row = wrap.current?.querySelector(`tr[data-order="${CSS.escape(focusRow)}"]`);
    (row?.querySelector<HTMLElement>('button:not(:disabled)') ?? wrap.current?.querySelector<HTMLElement>('.table-wrap'))?.focus();
  }, [focusRow, list.loading, list.data]);

  /** A write answered the order as it is now: say so, show it, and reload the customer (its figures moved). */
  function done(message: string, o: Order) {
    setDialog(null);
    setNotice(message);
    setFocusRow(o.id);
    list.reload();
    onChanged();
  }

  function close(o: Order) {
    setNotice(null);
    return closing.act(async () => {
      const after = await refusable(api.post('/orders/{id}/close', undefined, { path: { id: o.id } }), list.reload);
      const earned = points(after.pointsEarned);
      done(`Session ${orderName(o)} closed${earned ? `: ${formatNumber(earned)} points earned` : ''}.`, after);
    });
  }

  function open(kind: 'return' | 'cancel', o: Order) {
    setNotice(null);
    setDialog({ kind, id: o.id });
  }

  // The dialog's order as the list now has it (a refused write reloads the list: the dialog shows the news).
  const acting = dialog ? (rows.find((o) => o.id === dialog.id) ?? null) : null;
  return (
    <div class="sessions-tab" ref={wrap}>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={list.error ?? closing.error} />
      <PagedTable
        label="Sessions"
        columns={COLUMNS}
        rows={rows}
        list={list}
        page={page}
        noun="sessions"
        empty="This customer has no sessions yet."
      >
        {(o) => {
          const [label, badge] = STATES[o.state] ?? [o.state, 'badge-off'];
          const name = orderName(o);
          const earned = points(o.pointsEarned);
          const taken = points(o.pointsTakenBack);
          const money = (n: number) => formatMoney(n, o.currency);
          return (
            <tr key={o.id} data-order={o.id}>
              <td>
                <time dateTime={o.placedAt}>
                  {formatDate(o.placedAt)}
                  <span class="muted small cell-note">{timeFmt.format(new Date(o.placedAt))}</span>
                </time>
              </td>
              <td>
                {name}
                {o.couponCode && <div class="muted small">Coupon {o.couponCode}</div>}
              </td>
              <td>
                <span class={`badge ${badge}`}>{label}</span>
              </td>
              <td class="num">{formatNumber(sum(o.items.map((it) => it.quantity)))}</td>
              <td class="num">{formatNumber(sum(returnedByLine(o)))}</td>
              <td class="num">{money(o.amount)}</td>
              <td class="num">{money(o.discountAmount)}</td>
              <td class="num">{money(o.netAmount)}</td>
              <td class="num">{money(o.refundedAmount)}</td>
              <td class="num">
                {o.state === 'open' ? <span class="muted">Not yet</span> : formatNumber(earned)}
                {taken > 0 && <div class="muted small">{formatNumber(taken)} taken back</div>}
              </td>
              <td>
                <div class="row-actions">
                  {o.state === 'open' && (
                    <NamedButton verb="Close session" name={name} onClick={() => !closing.busy && void close(o)} />
                  )}
                  {(o.state === 'closed' || o.state === 'partially_returned') && o.items.length > 0 && (
                    <NamedButton verb="Return items" name={`from ${name}`} onClick={() => open('return', o)} />
                  )}
                  {o.state !== 'cancelled' && (
                    <NamedButton verb="Cancel order" name={name} onClick={() => open('cancel', o)} />
                  )}
                </div>
              </td>
            </tr>
          );
        }}
      </PagedTable>
      <ReturnItemsDialog
        order={dialog?.kind === 'return' ? acting : null}
        onClose={() => setDialog(null)}
        onDone={done}
        onStale={list.reload}
      />
      <CancelOrderDialog
        order={dialog?.kind === 'cancel' ? acting : null}
        onClose={() => setDialog(null)}
        onDone={done}
        onStale={list.reload}
      />
    </div>
  );
}
