// "Return items" (POST /orders/{id}/returns: a quantity per line, an optional reason) and "Cancel order"
// (POST /orders/{id}/cancel, an optional reason), from the Sessions tab. The API's field errors
// (items.N.quantity, items.N.position: N counts the lines sent) show beside their line. A refusal
// (another return, or a cancel, since the list loaded) reloads the list, so the dialog shows the order as it is.
import { useId, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';
import { formatMoney, formatNumber } from '../../components/format';
import { fieldError, namedFields, orderName, returnedByLine, type Order } from './util';

interface Props {
  /** The order acted on; null: the dialog is closed. */
  order: Order | null;
  onClose: () => void;
  /** After the write: a status message and the order as it is now. */
  onDone: (message: string, after: Order) => void;
  /** The API refused: the list loads again (the order may have changed meanwhile). */
  onStale: () => void;
}
type FormProps = Props & { order: Order };

/** The call; when the API refuses it (the order may have changed meanwhile), `onStale()` too, then the error. */
export async function refusable<T>(call: Promise<T>, onStale: () => void): Promise<T> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof ApiError && e.status >= 400 && e.status < 500) onStale();
    throw e;
  }
}

const REASON_HINT = 'Optional. Shown on the customer’s timeline.';

export function ReturnItemsDialog(props: Props) {
  const o = props.order;
  return (
    <Dialog open={!!o} title={`Return items${o ? ` from ${orderName(o)}` : ''}`} size="wide" onClose={props.onClose}>
      {o && <ReturnForm {...props} order={o} />}
    </Dialog>
  );
}

function ReturnForm({ order, onClose, onDone, onStale }: FormProps) {
  const form = useFormSubmit();
  const id = useId();
  const [qty, setQty] = useState<string[]>(() => order.items.map(() => ''));
  const [reason, setReason] = useState('');
  // The positions of the lines last sent, in order: the API's items.N is the N-th of them.
  const [sent, setSent] = useState<number[]>([]);
  const money = (n: number) => formatMoney(n, order.currency);
  const back = returnedByLine(order);
  const left = order.items.map((it, i) => it.quantity - (back[i] ?? 0));
  const wanted = qty.map((q) => Number(q.trim() || 0));
  const names = order.items.map((it) => it.name);
  const lineName = (i: number) =>
    names.filter((n) => n === names[i]).length > 1 ? `${names[i]} (line ${i + 1})` : names[i];
  const lineError = (i: number): string | null => {
    const mine = form.invalid[`line${i}`];
    const n = sent.indexOf(i);
    return mine ?? (n < 0 ? null : fieldError(form.error, `items.${n}`));
  };

  // What the refund will be: the items' value less their share of the discount (the API rounds it);
  // every item left back: all that is left.
  const fits = wanted.every((n, i) => Number.isInteger(n) && n >= 0 && n <= (left[i] ?? 0));
  const count = fits ? wanted.reduce((a, b) => a + b, 0) : 0;
  const everything = count > 0 && left.every((l, i) => wanted[i] === l);
  const refundable = order.netAmount - order.refundedAmount;
  const value = order.items.reduce((a, it, i) => a + it.unitPrice * (wanted[i] ?? 0), 0);
  const share = order.amount ? Math.round((value * order.netAmount * 100) / order.amount) / 100 : 0;

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const items: { position: number; quantity: number }[] = [];
    order.items.forEach((_, i) => {
      const raw = qty[i]?.trim() ?? '';
      const n = Number(raw);
      const l = left[i] ?? 0;
      if (!raw) return;
      if (!Number.isInteger(n) || n < 0) bad[`line${i}`] = 'Enter a whole number';
      else if (n > l) bad[`line${i}`] = l ? `Only ${formatNumber(l)} left to return` : 'None left to return';
      else if (n > 0) items.push({ position: i, quantity: n });
    });
    if (!Object.keys(bad).length && !items.length) bad.items = 'Enter how many to return of at least one line.';
    if (!form.check(bad)) return;
    setSent(items.map((it) => it.position));
    const why = reason.trim();
    await form.run(async () => {
      const after = await refusable(
        api.post('/orders/{id}/returns', why ? { items, reason: why } : { items }, {
          path: { id: order.id },
          headers: { 'Idempotency-Key': form.key },
        }),
        onStale,
      );
      const n = items.reduce((a, it) => a + it.quantity, 0);
      const refund = after.refunds[after.refunds.length - 1];
      onDone(
        `${formatNumber(n)} ${n === 1 ? 'item' : 'items'} of ${orderName(order)} returned: ${money(refund?.amount ?? 0)} refunded.` +
          (after.state === 'cancelled' ? ' Every item is back: the order is cancelled.' : ''),
        after,
      );
    });
  }

  const shown = [...sent.map((_, n) => `items.${n}`), 'reason'];
  return (
    <form onSubmit={submit} noValidate>
      <p>
        The refund is the items’ value less their share of the order’s discount; the points they earned are taken
        back. Returning every item left cancels the order.
      </p>
      <FormError error={form.error} fields={namedFields(form.error, ...shown)} errors={form.errors} />
      <table class="return-lines">
        <caption class="sr-only">Lines of {orderName(order)}</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">SKU</th>
            <th scope="col" class="num">Unit price</th>
            <th scope="col" class="num">Quantity</th>
            <th scope="col" class="num">Returned</th>
            <th scope="col">Quantity to return</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((it, i) => {
            const err = lineError(i);
            const l = left[i] ?? 0;
            return (
              <tr key={i}>
                <td class="cell-wrap">{it.name}</td>
                <td>{it.sku ?? <span class="muted">—</span>}</td>
                <td class="num">{money(it.unitPrice)}</td>
                <td class="num">{formatNumber(it.quantity)}</td>
                <td class="num">{formatNumber(back[i] ?? 0)}</td>
                <td>
                  {/* kept while it shows the API's message, even once nothing is left (returned elsewhere) */}
                  {l > 0 || err ? (
                    <>
                      <label class="sr-only" for={`${id}-${i}`}>
                        Return quantity for {lineName(i)}
                      </label>
                      <input
                        id={`${id}-${i}`}
                        class="qty"
                        type="number"
                        min={0}
                        max={Math.max(l, 0)}
                        step={1}
                        inputMode="numeric"
                        placeholder="0"
                        value={qty[i]}
                        onInput={(e) => {
                          const v = e.currentTarget.value;
                          setQty((q) => q.map((x, j) => (j === i ? v : x)));
                        }}
                        aria-invalid={err ? true : undefined}
                        aria-describedby={err ? `${id}-${i}-error` : undefined}
                      />
                      {err && (
                        <p class="field-error" id={`${id}-${i}-error`}>
                          {err}
                        </p>
                      )}
                    </>
                  ) : (
                    <span class="muted">All returned</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {form.invalid.items && (
        <p class="field-error" role="alert">
          {form.invalid.items}
        </p>
      )}
      <p class="muted">
        {everything
          ? `Every item left: the order is cancelled and the ${money(refundable)} left is refunded.`
          : count > 0
            ? `About ${money(Math.min(refundable, share))} will be refunded for ${formatNumber(count)} ${count === 1 ? 'item' : 'items'}.`
            : `${money(refundable)} of ${money(order.netAmount)} paid is left to refund.`}
      </p>
      <TextField
        label="Reason"
        value={reason}
        onValue={setReason}
        maxLength={500}
        autoComplete="off"
        hint={REASON_HINT}
        error={fieldError(form.error, 'reason')}
      />
      <FormActions onCancel={onClose} disabled={form.busy}>
        {form.busy ? 'Returning…' : 'Return items'}
      </FormActions>
    </form>
  );
}

export function CancelOrderDialog(props: Props) {
  const o = props.order;
  return (
    <Dialog open={!!o} title={`Cancel order${o ? ` ${orderName(o)}` : ''}`} onClose={props.onClose}>
      {o && <CancelForm {...props} order={o} />}
    </Dialog>
  );
}

function CancelForm({ order, onClose, onDone, onStale }: FormProps) {
  const form = useFormSubmit();
  const [reason, setReason] = useState('');
  const money = (n: number) => formatMoney(n, order.currency);
  const left = order.netAmount - order.refundedAmount;

  async function submit(e: Event) {
    e.preventDefault();
    const why = reason.trim();
    await form.run(async () => {
      const after = await refusable(
        api.post('/orders/{id}/cancel', why ? { reason: why } : {}, {
          path: { id: order.id },
          headers: { 'Idempotency-Key': form.key },
        }),
        onStale,
      );
      const refunded = after.refundedAmount - order.refundedAmount;
      onDone(`Order ${orderName(order)} cancelled${refunded > 0 ? `: ${money(refunded)} refunded` : ''}.`, after);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <p>
        {order.state === 'open'
          ? 'This session is still open: nothing was counted for it yet, so nothing moves back.'
          : `Cancelling refunds all that is left (${money(left)} of ${money(order.netAmount)} paid) and takes back the points the order earned.`}{' '}
        This cannot be undone.
      </p>
      <FormError error={form.error} fields={namedFields(form.error, 'reason')} errors={form.errors} />
      <TextField
        label="Reason"
        value={reason}
        onValue={setReason}
        maxLength={500}
        autoComplete="off"
        hint={REASON_HINT}
        error={fieldError(form.error, 'reason')}
      />
      <FormActions
        cancel={
          <button type="button" onClick={onClose}>
            Keep order
          </button>
        }
        danger
        disabled={form.busy}
      >
        {form.busy ? 'Cancelling…' : 'Cancel order'}
      </FormActions>
    </form>
  );
}
