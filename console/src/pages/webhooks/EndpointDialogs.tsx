// Webhook endpoint dialogs: "Add endpoint" / "Edit endpoint" (URL, events, description), the signing
// secret shown once (after adding or rotating), "Rotate secret" and "Delete endpoint" confirmations.
import { useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { CopyField } from '../../components/CopyField';
import { Dialog } from '../../components/Dialog';
import { Field, TextField } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';
import { formatDateTime } from '../../components/format';

export type Endpoint = Schemas['WebhookEndpoint'];
export type EndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
export type EventType = Schemas['EventType'];

export const EVENT_TYPES: readonly { value: EventType; label: string }[] = [
  { value: 'consumer.created', label: 'Customer created' },
  { value: 'consumer.updated', label: 'Customer updated' },
  { value: 'consumer.deleted', label: 'Customer deleted' },
  { value: 'consumer.erased', label: 'Customer erased' },
  { value: 'order.created', label: 'Order created' },
  { value: 'order.refunded', label: 'Order refunded' },
  { value: 'loyalty.points_changed', label: 'Loyalty points changed' },
  { value: 'import.finished', label: 'Import finished' },
  { value: 'export.finished', label: 'Export finished' },
];

const FIELDS = ['url', 'events', 'description'] as const;

/** "Add endpoint" (endpoint null) or "Edit endpoint". */
export function EndpointDialog({
  open,
  endpoint,
  onClose,
  onSaved,
}: {
  open: boolean;
  endpoint: Endpoint | null;
  onClose: () => void;
  onSaved: (saved: Endpoint | EndpointWithSecret) => void;
}) {
  return (
    <Dialog open={open} title={endpoint ? 'Edit endpoint' : 'Add endpoint'} onClose={onClose} size="wide">
      {open && <EndpointForm endpoint={endpoint} onCancel={onClose} onSaved={onSaved} />}
    </Dialog>
  );
}

function EndpointForm({
  endpoint,
  onCancel,
  onSaved,
}: {
  endpoint: Endpoint | null;
  onCancel: () => void;
  onSaved: (saved: Endpoint | EndpointWithSecret) => void;
}) {
  const form = useFormSubmit();
  const { busy, errors } = form;
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [events, setEvents] = useState<Set<EventType>>(() => new Set(endpoint?.events ?? []));
  const [description, setDescription] = useState(endpoint?.description ?? '');

  function toggle(type: EventType, on: boolean) {
    setEvents((cur) => {
      const next = new Set(cur);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });
  }

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    if (!url.trim()) bad.url = 'Enter the URL that receives the webhooks.';
    if (!events.size) bad.events = 'Pick at least one event.';
    if (!form.check(bad)) return;
    const chosen = EVENT_TYPES.map((t) => t.value).filter((t) => events.has(t));
    await form.run(async () => {
      const saved = endpoint
        ? await api.put(
            '/webhook-endpoints/{id}',
            { url: url.trim(), events: chosen, description: description.trim() },
            { path: { id: endpoint.id } },
          )
        : await api.post(
            '/webhook-endpoints',
            { url: url.trim(), events: chosen, description: description.trim() || null, enabled: true },
            { headers: { 'Idempotency-Key': form.key } },
          );
      onSaved(saved);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <FormError error={form.error} fields={FIELDS} errors={errors} />
      <TextField
        label="URL"
        type="url"
        required
        maxLength={2048}
        autoComplete="off"
        spellcheck={false}
        placeholder="https://example.com/webhooks/clientele"
        value={url}
        onValue={setUrl}
        error={errors.url}
        hint="An https address on the public internet. Each request is signed (Standard Webhooks)."
      />
      <fieldset
        class={`event-choices${errors.events ? ' has-error' : ''}`}
        aria-describedby={errors.events ? 'endpoint-events-error' : undefined}
      >
        <legend>Events</legend>
        {EVENT_TYPES.map((t) => (
          <label class="check" key={t.value}>
            <input
              type="checkbox"
              checked={events.has(t.value)}
              onChange={(e) => toggle(t.value, e.currentTarget.checked)}
            />
            {t.label} <code class="muted small">{t.value}</code>
          </label>
        ))}
        {errors.events && (
          <p class="field-error" id="endpoint-events-error">
            {errors.events}
          </p>
        )}
      </fieldset>
      <Field label="Description" error={errors.description} hint="Optional, up to 500 characters">
        {(p) => (
          <textarea
            {...p}
            rows={2}
            maxLength={500}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        )}
      </Field>
      <FormActions onCancel={onCancel} disabled={busy}>
        {busy ? 'Saving…' : endpoint ? 'Save' : 'Add endpoint'}
      </FormActions>
    </form>
  );
}

/** The signing secret, shown this once (after "Add endpoint" or "Rotate secret"). */
export function SecretDialog({
  shown,
  rotated,
  onClose,
}: {
  shown: EndpointWithSecret | null;
  rotated: boolean;
  onClose: () => void;
}) {
  return (
    <Dialog open={shown !== null} title={rotated ? 'New signing secret' : 'Signing secret'} onClose={onClose}>
      {shown && (
        <div>
          {shown.secret ? (
            <>
              <p>
                {rotated ? 'The new signing secret' : 'The signing secret'} of <code>{shown.url}</code>. It is shown
                this once: copy it now and keep it with your receiver.
              </p>
              <CopyField label="Signing secret" value={shown.secret} secret />
            </>
          ) : (
            <p class="alert alert-info">The secret was already shown once; it cannot be shown again.</p>
          )}
          {rotated && (
            <p class="alert alert-info">
              The old secret keeps working until {formatDateTime(shown.previousSecretExpiresAt)}: until then each
              delivery carries two signatures, the new secret’s and the old one’s, so your receiver can switch at any
              moment.
            </p>
          )}
          <div class="actions">
            <button type="button" class="button-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}

/** "Rotate secret": what it does, then POST /webhook-endpoints/{id}/rotate-secret. */
export function RotateDialog({
  endpoint,
  onClose,
  onRotated,
}: {
  endpoint: Endpoint | null;
  onClose: () => void;
  onRotated: (e: EndpointWithSecret) => void;
}) {
  return (
    <Dialog open={endpoint !== null} title="Rotate secret" onClose={onClose}>
      {endpoint && <RotateConfirm endpoint={endpoint} onCancel={onClose} onRotated={onRotated} />}
    </Dialog>
  );
}

function RotateConfirm({
  endpoint,
  onCancel,
  onRotated,
}: {
  endpoint: Endpoint;
  onCancel: () => void;
  onRotated: (e: EndpointWithSecret) => void;
}) {
  const form = useFormSubmit();
  const confirm = () =>
    form.run(async () => {
      const r = await api.post('/webhook-endpoints/{id}/rotate-secret', undefined, {
        path: { id: endpoint.id },
        headers: { 'Idempotency-Key': form.key },
      });
      onRotated(r);
    });
  return (
    <div>
      <ErrorMessage error={form.error} />
      <p>
        A new signing secret is made and shown once. The old secret keeps working for 24 hours: meanwhile each delivery
        carries both signatures, so your receiver can switch at any moment.
      </p>
      <FormActions onCancel={onCancel} onClick={() => void confirm()} disabled={form.busy}>
        {form.busy ? 'Rotating…' : 'Rotate secret'}
      </FormActions>
    </div>
  );
}

/** "Delete endpoint": the confirmation, then DELETE /webhook-endpoints/{id}. */
export function DeleteEndpointDialog({
  endpoint,
  onClose,
  onDeleted,
}: {
  endpoint: Endpoint | null;
  onClose: () => void;
  onDeleted: (e: Endpoint) => void;
}) {
  return (
    <Dialog open={endpoint !== null} title="Delete endpoint" onClose={onClose}>
      {endpoint && <DeleteConfirm endpoint={endpoint} onCancel={onClose} onDeleted={onDeleted} />}
    </Dialog>
  );
}

function DeleteConfirm({
  endpoint,
  onCancel,
  onDeleted,
}: {
  endpoint: Endpoint;
  onCancel: () => void;
  onDeleted: (e: Endpoint) => void;
}) {
  const form = useFormSubmit();
  const confirm = () =>
    form.run(async () => {
      await api.delete('/webhook-endpoints/{id}', undefined, { path: { id: endpoint.id } });
      onDeleted(endpoint);
    });
  return (
    <div>
      <ErrorMessage error={form.error} />
      <p>
        Delete the endpoint <code>{endpoint.url}</code>? Its secret goes with it and deliveries still queued for it are
        dropped. This cannot be undone.
      </p>
      <FormActions onCancel={onCancel} danger onClick={() => void confirm()} disabled={form.busy}>
        {form.busy ? 'Deleting…' : 'Delete endpoint'}
      </FormActions>
    </div>
  );
}
