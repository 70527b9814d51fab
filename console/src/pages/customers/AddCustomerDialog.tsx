// "Add customer": Email (required here), Full name, Phone, Status; POST /consumers.
import { useState } from 'preact/hooks';
import { api, type Consumer, type Status } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { SelectField, TextField } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';

const FIELDS = ['email', 'fullName', 'phone', 'status'] as const;

export function AddCustomerDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (c: Consumer) => void;
}) {
  return (
    <Dialog open={open} title="Add customer" onClose={onClose}>
      {open && <AddCustomerForm onCreated={onCreated} onCancel={onClose} />}
    </Dialog>
  );
}

function AddCustomerForm({ onCreated, onCancel }: { onCreated: (c: Consumer) => void; onCancel: () => void }) {
  const form = useFormSubmit();
  const { busy, errors } = form;
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [phone, setPhone] = useState('');
  const [status, setStatus] = useState<Status>('active');

  async function submit(e: Event) {
    e.preventDefault();
    if (!form.check(email.trim() ? {} : { email: 'Enter an email address.' })) return;
    await form.run(async () => {
      const created = await api.post(
        '/consumers',
        {
          email: email.trim(),
          fullName: fullName.trim() || null,
          phone: phone.trim() || null,
          status,
          // the API's defaults, spelled out (generated body types list defaulted fields as required)
          membership: 'guest',
          verified: false,
        },
        { headers: { 'Idempotency-Key': form.key } },
      );
      onCreated(created);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <FormError error={form.error} fields={FIELDS} errors={errors} />
      <TextField
        label="Email"
        type="email"
        autoComplete="off"
        required
        value={email}
        onValue={setEmail}
        error={errors.email}
      />
      <TextField label="Full name" autoComplete="off" value={fullName} onValue={setFullName} error={errors.fullName} />
      <TextField
        label="Phone"
        type="tel"
        autoComplete="off"
        value={phone}
        onValue={setPhone}
        error={errors.phone}
        hint="With its country code, e.g. +1 415 555 2671"
      />
      <SelectField
        label="Status"
        value={status}
        onValue={(v) => setStatus(v as Status)}
        options={[
          { value: 'active', label: 'Active' },
          { value: 'inactive', label: 'Inactive' },
        ]}
        error={errors.status}
      />
      <FormActions onCancel={onCancel} disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </FormActions>
    </form>
  );
}
