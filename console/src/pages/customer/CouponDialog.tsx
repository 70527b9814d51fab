// "Issue coupon" (POST /consumers/{id}/coupons), from the Coupons tab: an optional code (none: the API
// draws one), percentage or fixed amount, the value, an optional expiry (a local date and time, sent as
// an ISO instant) and the usage limit. The form checks only what it must to build the body; the API's
// rules come back beside their field (its rules across fields, "body": a percentage of at most 100,
// 2 decimals, are the value's), and a code taken (409) beside the code.
import { useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';
import { fieldError, localInstant, namedFields } from './util';

export type Coupon = Schemas['Coupon'];
type CouponType = Schemas['CouponType'];

interface Props {
  open: boolean;
  consumerId: string;
  /** The customer's currency (from its orders), for the value's hint; null: unknown. */
  currency: string | null;
  onClose: () => void;
  /** After the write: the coupon issued. */
  onDone: (coupon: Coupon) => void;
}

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$/;
const TYPES: [CouponType, string][] = [
  ['percent', 'Percentage'],
  ['fixed', 'Fixed amount'],
];
const FIELDS = ['code', 'type', 'value', 'body', 'expiresAt', 'usageLimit'];

export function IssueCouponDialog(props: Props) {
  return (
    <Dialog open={props.open} title="Issue coupon" onClose={props.onClose}>
      {props.open && <IssueForm {...props} />}
    </Dialog>
  );
}

function IssueForm({ consumerId, currency, onClose, onDone }: Props) {
  const form = useFormSubmit();
  const [code, setCode] = useState('');
  const [type, setType] = useState<CouponType>('percent');
  const [value, setValue] = useState('');
  const [expires, setExpires] = useState('');
  const [limit, setLimit] = useState('1');
  /** The form's message for `name`, else the API's (for it and `more`). */
  const err = (name: string, ...more: string[]) => form.invalid[name] ?? fieldError(form.error, name, ...more);

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const c = code.trim();
    if (c && !CODE.test(c)) bad.code = '3 to 40 letters, digits, “_” or “-”, starting with a letter or digit';
    const v = Number(value.trim());
    if (!value.trim() || !(v > 0)) bad.value = type === 'percent' ? 'Enter a percentage above 0' : 'Enter an amount above 0';
    const expiresAt = localInstant(expires);
    if (expires && !expiresAt) bad.expiresAt = 'Enter a date and time';
    const n = Number(limit.trim());
    if (!Number.isInteger(n) || n < 1 || n > 100) bad.usageLimit = 'Enter a whole number from 1 to 100';
    if (!form.check(bad)) return;
    await form.run(async () => {
      const body = { type, value: v, usageLimit: n, ...(c && { code: c }), ...(expiresAt && { expiresAt }) };
      onDone(
        await api.post('/consumers/{id}/coupons', body, {
          path: { id: consumerId },
          headers: { 'Idempotency-Key': form.key },
        }),
      );
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <FormError error={form.error} fields={namedFields(form.error, ...FIELDS)} errors={form.errors} />
      <TextField
        label="Code"
        value={code}
        onValue={setCode}
        maxLength={40}
        autoComplete="off"
        spellcheck={false}
        hint="Optional: left empty, a 10-character code is drawn. Letters, digits, “_” and “-”; kept in capitals."
        error={err('code')}
      />
      <fieldset>
        <legend>Type</legend>
        {TYPES.map(([t, label]) => (
          <label class="check" key={t}>
            <input type="radio" name="coupon-type" value={t} checked={type === t} onChange={() => setType(t)} />
            {label}
          </label>
        ))}
        {err('type') && <p class="field-error">{err('type')}</p>}
      </fieldset>
      <TextField
        type="number"
        label="Value"
        min={0.01}
        max={type === 'percent' ? 100 : undefined}
        step={0.01}
        inputMode="decimal"
        value={value}
        onValue={setValue}
        hint={
          type === 'percent'
            ? 'The percentage taken off the order’s amount, up to 100'
            : `The amount taken off the order${currency ? ` in ${currency}` : ''}, at most its amount`
        }
        error={err('value', 'body')}
      />
      <TextField
        type="datetime-local"
        label="Expires"
        value={expires}
        onValue={setExpires}
        hint="Optional, in your time zone. Empty: it never expires."
        error={err('expiresAt')}
      />
      <TextField
        type="number"
        label="Usage limit"
        min={1}
        max={100}
        step={1}
        inputMode="numeric"
        value={limit}
        onValue={setLimit}
        hint="How many orders can redeem it: 1 to 100"
        error={err('usageLimit')}
      />
      <FormActions onCancel={onClose} disabled={form.busy}>
        {form.busy ? 'Issuing…' : 'Issue coupon'}
      </FormActions>
    </form>
  );
}
