// "Block customer" (seed 004) and "Unblock customer", in the customer's header. Blocking asks for
// an optional reason in a dialog (POST /consumers/{id}/block); unblocking is one click
// (POST /consumers/{id}/unblock). Both answer the consumer as it is now. A blocked customer earns
// and redeems no points (the API answers 409 consumer_blocked): the Loyalty tab says so.
import { useState } from 'preact/hooks';
import { api, type Consumer } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions, useFormSubmit } from '../../components/Form';
import { useAction } from '../../components/useAction';
import { useWriteGuard } from '../../session';
import { fieldError, namedFields } from './util';

/** Why points can be neither added nor deducted (the API's 409), or null when they can. */
export function pointsRefusal(c: Consumer): string | null {
  if (c.blocked) return 'This customer is blocked: it earns and redeems no points until it is unblocked.';
  if (c.status === 'inactive') return 'This customer is inactive: it earns and redeems no points until its status is active again.';
  return null;
}

export function BlockActions({ consumer, onChanged }: { consumer: Consumer; onChanged: (c: Consumer) => void }) {
  const guard = useWriteGuard();
  const { busy, error, act } = useAction();
  const [asking, setAsking] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  function unblock() {
    setNotice(null);
    return act(async () => {
      onChanged(await api.post('/consumers/{id}/unblock', undefined, { path: { id: consumer.id } }));
      setNotice('Customer unblocked: it earns and redeems points again.');
    });
  }

  return (
    <div class="customer-actions">
      {/* One button that changes its verb, so focus stays on it after either action (not disabled
          while busy: a focused button that turns disabled loses focus). */}
      <button
        type="button"
        {...guard()}
        aria-busy={busy || undefined}
        onClick={() => {
          if (busy) return;
          if (consumer.blocked) void unblock();
          else {
            setNotice(null);
            setAsking(true);
          }
        }}
      >
        {consumer.blocked ? 'Unblock customer' : 'Block customer'}
      </button>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={error} />
      <Dialog open={asking} title="Block customer" onClose={() => setAsking(false)}>
        {asking && (
          <BlockForm
            consumer={consumer}
            onCancel={() => setAsking(false)}
            onBlocked={(c) => {
              setAsking(false);
              onChanged(c);
              setNotice('Customer blocked.');
            }}
          />
        )}
      </Dialog>
    </div>
  );
}

function BlockForm({
  consumer,
  onCancel,
  onBlocked,
}: {
  consumer: Consumer;
  onCancel: () => void;
  onBlocked: (c: Consumer) => void;
}) {
  const form = useFormSubmit();
  const [reason, setReason] = useState('');

  async function submit(e: Event) {
    e.preventDefault();
    const why = reason.trim();
    await form.run(async () => {
      const c = await api.post('/consumers/{id}/block', why ? { reason: why } : {}, {
        path: { id: consumer.id },
        headers: { 'Idempotency-Key': form.key },
      });
      onBlocked(c);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <p>
        A blocked customer earns and redeems no points: adding or deducting points is refused, and orders still record
        but earn nothing. Unblock them at any time.
      </p>
      <ErrorMessage error={form.error} fields={namedFields(form.error, 'reason')} />
      <TextField
        label="Reason"
        value={reason}
        onValue={setReason}
        maxLength={500}
        autoComplete="off"
        hint="Optional. Shown on the profile and its timeline."
        error={fieldError(form.error, 'reason')}
      />
      <FormActions onCancel={onCancel} danger disabled={form.busy}>
        {form.busy ? 'Blocking…' : 'Block customer'}
      </FormActions>
    </form>
  );
}
