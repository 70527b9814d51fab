// "Create referral code" (POST /consumers/{id}/referral-codes), from the Referrals tab: an optional
// code (none: the API draws one), an optional expiry (a local date and time, sent as an ISO instant)
// and an optional usage limit (empty: unlimited). The form checks only what it must to build the body;
// the API's rules come back beside their field (a limit out of range, an expiry in the past), and a
// code taken (409) beside the code.
import { useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';
import { fieldError, localInstant, namedFields } from './util';

export type ReferralCode = Schemas['ReferralCode'];

interface Props {
  open: boolean;
  consumerId: string;
  onClose: () => void;
  /** After the write: the code created. */
  onDone: (code: ReferralCode) => void;
}

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$/;
const FIELDS = ['code', 'expiresAt', 'usageLimit', 'body'];

export function CreateReferralCodeDialog(props: Props) {
  return (
    <Dialog open={props.open} title="Create referral code" onClose={props.onClose}>
      {props.open && <CreateForm {...props} />}
    </Dialog>
  );
}

function CreateForm({ consumerId, onClose, onDone }: Props) {
  const form = useFormSubmit();
  const [code, setCode] = useState('');
  const [expires, setExpires] = useState('');
  const [limit, setLimit] = useState('');
  /** The form's message for `name`, else the API's. */
  const err = (name: string) => form.invalid[name] ?? fieldError(form.error, name);

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const c = code.trim();
    if (c && !CODE.test(c)) bad.code = '3 to 40 letters, digits, “_” or “-”, starting with a letter or digit';
    const expiresAt = localInstant(expires);
    if (expires && !expiresAt) bad.expiresAt = 'Enter a date and time';
    const l = limit.trim();
    if (l && !/^\d+$/.test(l)) bad.usageLimit = 'Enter a whole number, or leave it empty for no limit';
    if (!form.check(bad)) return;
    await form.run(async () => {
      const body = { ...(c && { code: c }), ...(expiresAt && { expiresAt }), ...(l && { usageLimit: Number(l) }) };
      onDone(
        await api.post('/consumers/{id}/referral-codes', body, {
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
        max={1000000}
        step={1}
        inputMode="numeric"
        value={limit}
        onValue={setLimit}
        hint="Optional: how many people can join or order with it, 1 to 1,000,000. Empty: unlimited."
        error={err('usageLimit')}
      />
      <FormActions onCancel={onClose} disabled={form.busy}>
        {form.busy ? 'Creating…' : 'Create referral code'}
      </FormActions>
    </form>
  );
}
