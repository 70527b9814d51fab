// Bulk actions on the selection: "Add to audience" and "Update status".
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, idempotencyKey, type Audience, type Status } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { useWriteGuard } from '../../session';
import { chunks, describeTarget, resolveIds, type Target } from './bulk';

type Phase = { step: 'idle' } | { step: 'running'; text: string; done: number; total: number | null } | { step: 'done'; text: string };

/** Runs a bulk job (collect ids, then apply in batches) with progress; aborted on close. */
function useBulkRun() {
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [error, setError] = useState<unknown>(null);
  const ctl = useRef<AbortController | null>(null);
  useEffect(() => () => ctl.current?.abort(), []);

  async function run(
    target: Target,
    apply: (batch: string[], signal: AbortSignal) => Promise<void>,
    finish: (count: number) => string,
  ) {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setError(null);
    try {
      setPhase({ step: 'running', text: 'Finding the customers…', done: 0, total: null });
      const ids = await resolveIds(target, c.signal, (n) =>
        setPhase({ step: 'running', text: `Finding the customers… ${n.toLocaleString()} found`, done: 0, total: null }),
      );
      let done = 0;
      for (const batch of chunks(ids)) {
        if (c.signal.aborted) return;
        setPhase({ step: 'running', text: `Applying… ${done.toLocaleString()} of ${ids.length.toLocaleString()}`, done, total: ids.length });
        await apply(batch, c.signal);
        done += batch.length;
      }
      setPhase({ step: 'done', text: finish(ids.length) });
    } catch (e) {
      if (c.signal.aborted) return;
      setError(e);
      setPhase({ step: 'idle' });
    }
  }
  return { phase, error, run };
}

function Progress({ phase }: { phase: Phase }) {
  if (phase.step !== 'running') return null;
  return (
    <div class="progress-block">
      <progress
        aria-label="Bulk action progress"
        value={phase.total ? phase.done : undefined}
        max={phase.total ?? undefined}
      />
      <p class="muted small">{phase.text}</p>
    </div>
  );
}

export function AddToAudienceDialog({
  open,
  target,
  audiences,
  onClose,
  onDone,
}: {
  open: boolean;
  target: Target;
  audiences: Audience[];
  onClose: () => void;
  onDone: () => void;
}) {
  return (
    <Dialog open={open} title="Add to audience" onClose={onClose}>
      {open && <AddToAudienceForm target={target} audiences={audiences} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function AddToAudienceForm({
  target,
  audiences,
  onClose,
  onDone,
}: {
  target: Target;
  audiences: Audience[];
  onClose: () => void;
  onDone: () => void;
}) {
  const guard = useWriteGuard();
  const [audienceId, setAudienceId] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const { phase, error, run } = useBulkRun();
  const busy = phase.step === 'running';

  function submit(e: Event) {
    e.preventDefault();
    if (!audienceId) {
      setFieldError('Choose an audience.');
      return;
    }
    setFieldError(null);
    const name = audiences.find((a) => a.id === audienceId)?.name ?? 'the audience';
    let changed = 0;
    let memberCount = 0;
    void run(
      target,
      async (batch, signal) => {
        const r = await api.post(
          '/audiences/{id}/members',
          { consumerIds: batch },
          { path: { id: audienceId }, headers: { 'Idempotency-Key': idempotencyKey() }, signal },
        );
        changed += r.changed.length;
        memberCount = r.memberCount;
      },
      (n) => {
        onDone();
        const already = n - changed;
        return `Added ${changed.toLocaleString()} to ${name}${already ? `; ${already.toLocaleString()} were already members` : ''}. It has ${memberCount.toLocaleString()} members.`;
      },
    );
  }

  if (phase.step === 'done') {
    return (
      <>
        <StatusMessage>{phase.text}</StatusMessage>
        <div class="actions">
          <button type="button" class="button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </>
    );
  }
  return (
    <form onSubmit={submit} noValidate>
      <p>Add {describeTarget(target)} to an audience.</p>
      <ErrorMessage error={error} />
      <SelectField
        label="Audience"
        value={audienceId}
        onValue={setAudienceId}
        error={fieldError}
        options={[{ value: '', label: 'Choose an audience' }, ...audiences.map((a) => ({ value: a.id, label: a.name }))]}
        hint={audiences.length ? undefined : 'There are no audiences yet: create one on the Audiences page.'}
      />
      <Progress phase={phase} />
      <div class="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="button-primary" {...guard(busy || !audiences.length)}>
          Add
        </button>
      </div>
    </form>
  );
}

export function UpdateStatusDialog({
  open,
  target,
  onClose,
  onDone,
}: {
  open: boolean;
  target: Target;
  onClose: () => void;
  onDone: () => void;
}) {
  return (
    <Dialog open={open} title="Update status" onClose={onClose}>
      {open && <UpdateStatusForm target={target} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function UpdateStatusForm({ target, onClose, onDone }: { target: Target; onClose: () => void; onDone: () => void }) {
  const guard = useWriteGuard();
  const [status, setStatus] = useState<Status>('active');
  const { phase, error, run } = useBulkRun();
  const busy = phase.step === 'running';

  function submit(e: Event) {
    e.preventDefault();
    void run(
      target,
      async (batch, signal) => {
        await api.post(
          '/consumers/bulk-status',
          { consumerIds: batch, status },
          { headers: { 'Idempotency-Key': idempotencyKey() }, signal },
        );
      },
      (n) => {
        onDone();
        return `Updated ${n.toLocaleString()} ${n === 1 ? 'customer' : 'customers'} to ${status === 'active' ? 'Active' : 'Inactive'}.`;
      },
    );
  }

  if (phase.step === 'done') {
    return (
      <>
        <StatusMessage>{phase.text}</StatusMessage>
        <div class="actions">
          <button type="button" class="button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </>
    );
  }
  return (
    <form onSubmit={submit} noValidate>
      <p>Set the status of {describeTarget(target)}.</p>
      <ErrorMessage error={error} />
      <SelectField
        label="New status"
        value={status}
        onValue={(v) => setStatus(v as Status)}
        options={[
          { value: 'active', label: 'Active' },
          { value: 'inactive', label: 'Inactive' },
        ]}
      />
      <Progress phase={phase} />
      <div class="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="button-primary" {...guard(busy)}>
          Update
        </button>
      </div>
    </form>
  );
}
