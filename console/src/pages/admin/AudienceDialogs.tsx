// Audience dialogs: "Create audience" / "Rename <name>" (name, description) and the delete confirmation.
import { useState } from 'preact/hooks';
import { ApiError, api, idempotencyKey, type Audience } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { Field, TextField } from '../../components/Field';
import { formatNumber } from '../../components/format';
import { useWriteGuard } from '../../session';

const FIELDS = ['name', 'description'] as const;

/** Create (audience null) or rename/describe an audience. */
export function AudienceDialog({
  open,
  audience,
  onClose,
  onSaved,
}: {
  open: boolean;
  audience: Audience | null;
  onClose: () => void;
  onSaved: (a: Audience, created: boolean) => void;
}) {
  return (
    <Dialog open={open} title={audience ? `Rename ${audience.name}` : 'Create audience'} onClose={onClose}>
      {open && <AudienceForm audience={audience} onCancel={onClose} onSaved={onSaved} />}
    </Dialog>
  );
}

function AudienceForm({
  audience,
  onCancel,
  onSaved,
}: {
  audience: Audience | null;
  onCancel: () => void;
  onSaved: (a: Audience, created: boolean) => void;
}) {
  const guard = useWriteGuard();
  const [name, setName] = useState(audience?.name ?? '');
  const [description, setDescription] = useState(audience?.description ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);

  async function submit(e: Event) {
    e.preventDefault();
    if (!name.trim()) {
      setErrors({ name: 'Enter a name.' });
      setError(null);
      return;
    }
    setBusy(true);
    setErrors({});
    setError(null);
    const body = { name: name.trim(), description: description.trim() || null };
    try {
      const saved = audience
        ? await api.put('/audiences/{id}', body, { path: { id: audience.id } })
        : await api.post('/audiences', body, { headers: { 'Idempotency-Key': key } });
      onSaved(saved, !audience);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      setError(err);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      {error !== null && <ErrorMessage error={error} fields={FIELDS} />}
      <TextField label="Name" required maxLength={100} autoComplete="off" value={name} onValue={setName} error={errors.name} />
      <Field label="Description" error={errors.description} hint="Optional, up to 500 characters">
        {(p) => (
          <textarea
            {...p}
            rows={3}
            maxLength={500}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        )}
      </Field>
      <div class="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" class="button-primary" {...guard(busy)}>
          {busy ? 'Saving…' : audience ? 'Save' : 'Create'}
        </button>
      </div>
    </form>
  );
}

/** "Delete audience": the confirmation, then DELETE /audiences/{id}. */
export function DeleteAudienceDialog({
  audience,
  onClose,
  onDeleted,
}: {
  audience: Audience | null;
  onClose: () => void;
  onDeleted: (a: Audience) => void;
}) {
  return (
    <Dialog open={audience !== null} title="Delete audience" onClose={onClose}>
      {audience && <DeleteConfirm key={audience.id} audience={audience} onCancel={onClose} onDeleted={onDeleted} />}
    </Dialog>
  );
}

function DeleteConfirm({
  audience,
  onCancel,
  onDeleted,
}: {
  audience: Audience;
  onCancel: () => void;
  onDeleted: (a: Audience) => void;
}) {
  const guard = useWriteGuard();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await api.delete('/audiences/{id}', undefined, { path: { id: audience.id } });
      onDeleted(audience);
    } catch (err) {
      setBusy(false);
      setError(err);
    }
  }

  return (
    <div>
      <ErrorMessage error={error} />
      <p>
        Delete <strong>{audience.name}</strong>? Its {formatNumber(audience.memberCount)}{' '}
        {audience.memberCount === 1 ? 'member leaves' : 'members leave'} it; the customers themselves are kept. This
        cannot be undone.
      </p>
      <div class="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="button-danger" onClick={() => void confirm()} {...guard(busy)}>
          {busy ? 'Deleting…' : 'Delete audience'}
        </button>
      </div>
    </div>
  );
}
