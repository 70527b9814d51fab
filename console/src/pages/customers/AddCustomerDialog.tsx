// "Add customer": Email (required here), Full name, Phone, Status; POST /consumers.
import { useState } from 'preact/hooks';
import { ApiError, api, idempotencyKey, type Consumer, type Status } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { SelectField, TextField } from '../../components/Field';
import { useWriteGuard } from '../../session';

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
  const guard = useWriteGuard();
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [phone, setPhone] = useState('');
  const [status, setStatus] = useState<Status>('active');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);

  async function submit(e: Event) {
    e.preventDefault();
    if (!email.trim()) {
      setErrors({ email: 'Enter an email address.' });
      setError(null);
      return;
    }
    setBusy(true);
    setErrors({});
    setError(null);
    try {
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
          source: 'manual',
        },
        { headers: { 'Idempotency-Key': key } },
      );
      onCreated(created);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      setError(err);
    }
  }

  const fieldErrorShown = Object.keys(errors).some((f) => (FIELDS as readonly string[]).includes(f));
  return (
    <form onSubmit={submit} noValidate>
      {error !== null && (
        <ErrorMessage error={error} fields={FIELDS}>
          {fieldErrorShown && <p>Check the fields marked below.</p>}
        </ErrorMessage>
      )}
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
      <div class="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" class="button-primary" {...guard(busy)}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
