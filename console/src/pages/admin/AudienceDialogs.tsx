// Audience dialogs: "Create audience" / "Rename <name>" (name, description) and the delete confirmation.
import { useState } from 'preact/hooks';
import { api, type Audience } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { Field, TextField } from '../../components/Field';
import { FormActions, useFormSubmit } from '../../components/Form';
import { formatNumber } from '../../components/format';

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
  const form = useFormSubmit();
  const { busy, errors } = form;
  const [name, setName] = useState(audience?.name ?? '');
  const [description, setDescription] = useState(audience?.description ?? '');

  async function submit(e: Event) {
    e.preventDefault();
    if (!form.check(name.trim() ? {} : { name: 'Enter a name.' })) return;
    const body = { name: name.trim(), description: description.trim() || null };
    await form.run(async () => {
      const saved = audience
        ? await api.put('/audiences/{id}', body, { path: { id: audience.id } })
        : await api.post('/audiences', body, { headers: { 'Idempotency-Key': form.key } });
      onSaved(saved, !audience);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorMessage error={form.error} fields={FIELDS} />
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
      <FormActions onCancel={onCancel} disabled={busy}>
        {busy ? 'Saving…' : audience ? 'Save' : 'Create'}
      </FormActions>
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
  const form = useFormSubmit();
  const { busy } = form;

  function confirm() {
    return form.run(async () => {
      await api.delete('/audiences/{id}', undefined, { path: { id: audience.id } });
      onDeleted(audience);
    });
  }

  return (
    <div>
      <ErrorMessage error={form.error} />
      <p>
        Delete <strong>{audience.name}</strong>? Its {formatNumber(audience.memberCount)}{' '}
        {audience.memberCount === 1 ? 'member leaves' : 'members leave'} it; the customers themselves are kept. This
        cannot be undone.
      </p>
      <FormActions onCancel={onCancel} danger onClick={() => void confirm()} disabled={busy}>
        {busy ? 'Deleting…' : 'Delete audience'}
      </FormActions>
    </div>
  );
}
