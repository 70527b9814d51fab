// Bulk actions on the selection: "Add to audience" and "Update status".
//
// A run collects the ids, then applies them in batches. It is never cut off half-way: while it runs,
// Escape and "Close" do nothing and "Cancel" becomes "Stop", which ends the run after the batch under
// way and reports how many were applied ("N of M"); the list is reloaded whenever anything changed.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, idempotencyKey, type Audience, type Status } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { FormActions } from '../../components/Form';
import { formatNumber } from '../../components/format';
import { chunks, describeTarget, resolveIds, type Target } from './bulk';

type Phase =
  | { step: 'idle' }
  | { step: 'finding'; found: number }
  | { step: 'applying'; done: number; total: number; stopping: boolean }
  | { step: 'done'; text: string };

/**
 * Runs a bulk job with progress, telling the dialog (`lock`) while one is under way. `stop()`: while
 * the ids are being collected, at once (nothing is written yet); while applying, after the batch under
 * way. Leaving the page stops the same way.
 */
function useBulkRun(onDone: () => void, lock: (running: boolean) => void) {
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const ctl = useRef<AbortController | null>(null);
  const stopping = useRef(false);
  const applying = useRef(false);

  const stop = useCallback(() => {
    stopping.current = true;
    if (applying.current) setPhase((p) => (p.step === 'applying' ? { ...p, stopping: true } : p));
    else ctl.current?.abort();
  }, []);
  useEffect(() => stop, [stop]);

  async function run(target: Target, apply: (batch: string[]) => Promise<void>, summary: (applied: number) => string) {
    const c = new AbortController();
    ctl.current = c;
    stopping.current = false;
    setError(null);
    setNote(null);
    setPhase({ step: 'finding', found: 0 });
    let ids: string[];
    try {
      ids = await resolveIds(target, c.signal, (found) => setPhase({ step: 'finding', found }));
    } catch (e) {
      setPhase({ step: 'idle' });
      if (c.signal.aborted) setNote('Stopped: nothing was changed.');
      else setError(e);
      return;
    }
    if (stopping.current) {
      setPhase({ step: 'idle' });
      setNote('Stopped: nothing was changed.');
      return;
    }
    applying.current = true;
    let done = 0;
    try {
      for (const batch of chunks(ids)) {
        if (stopping.current) break;
        setPhase({ step: 'applying', done, total: ids.length, stopping: false });
        await apply(batch);
        done += batch.length;
      }
    } catch (e) {
      setPhase({ step: 'idle' });
      setError(e);
      if (done) {
        setNote(`${formatNumber(done)} of ${formatNumber(ids.length)} were applied before the error.`);
        onDone();
      }
      return;
    } finally {
      applying.current = false;
    }
    onDone();
    const stopped = done < ids.length ? `Stopped: ${formatNumber(done)} of ${formatNumber(ids.length)} applied. ` : '';
    setPhase({ step: 'done', text: stopped + summary(done) });
  }

  const running = phase.step === 'finding' || phase.step === 'applying';
  useLock(lock, running);
  return { phase, running, error, note, run, stop };
}

interface BulkDialogProps {
  open: boolean;
  target: Target;
  onClose: () => void;
  onDone: () => void;
}

interface FormProps {
  target: Target;
  onClose: () => void;
  onDone: () => void;
  lock: (running: boolean) => void;
}

/** The dialog of a bulk action: locked (no Escape, no Close) while its form reports a run. */
function BulkDialog({
  open,
  title,
  target,
  onClose,
  onDone,
  form,
}: BulkDialogProps & { title: string; form: (props: FormProps) => ComponentChildren }) {
  const [locked, setLocked] = useState(false);
  return (
    <Dialog open={open} title={title} onClose={onClose} locked={open && locked}>
      {open && form({ target, onClose, onDone, lock: setLocked })}
    </Dialog>
  );
}

/** Tells the dialog whether a run is under way (and that none is, on unmount). */
function useLock(lock: (running: boolean) => void, running: boolean) {
  useEffect(() => lock(running), [lock, running]);
  useEffect(() => () => lock(false), [lock]);
}

function Progress({ phase }: { phase: Phase }) {
  if (phase.step !== 'finding' && phase.step !== 'applying') return null;
  const applying = phase.step === 'applying';
  return (
    <div class="progress-block">
      <progress
        aria-label="Bulk action progress"
        value={applying ? phase.done : undefined}
        max={applying ? phase.total : undefined}
      />
      <p class="muted small">
        {applying
          ? `Applying… ${formatNumber(phase.done)} of ${formatNumber(phase.total)}${phase.stopping ? ': stopping after this batch' : ''}`
          : `Finding the customers…${phase.found ? ` ${formatNumber(phase.found)} found` : ''}`}
      </p>
    </div>
  );
}

/** The end of a run: what was done, and "Done" (focused, as the form it replaces had the focus). */
function BulkDone({ text, onClose }: { text: string; onClose: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <>
      <StatusMessage>{text}</StatusMessage>
      <div class="actions">
        <button type="button" class="button-primary" ref={ref} onClick={onClose}>
          Done
        </button>
      </div>
    </>
  );
}

/** "Cancel", or "Stop" while a run is under way. */
function CancelOrStop({ run, onClose }: { run: ReturnType<typeof useBulkRun>; onClose: () => void }) {
  const { phase, running, stop } = run;
  return running ? (
    <button type="button" disabled={phase.step === 'applying' && phase.stopping} onClick={stop}>
      Stop
    </button>
  ) : (
    <button type="button" onClick={onClose}>
      Cancel
    </button>
  );
}

/**
 * A bulk action's form: `intro`, the run's error or note, the fields, the progress, "Cancel" (or "Stop")
 * and the `action` button; once the run is done, what it did and "Done".
 */
function BulkForm({
  bulk,
  intro,
  onSubmit,
  onClose,
  action,
  disabled = false,
  children,
}: {
  bulk: ReturnType<typeof useBulkRun>;
  intro: ComponentChildren;
  onSubmit: (e: Event) => void;
  onClose: () => void;
  action: string;
  /** The action is not possible (besides while a run is under way). */
  disabled?: boolean;
  children: ComponentChildren;
}) {
  const { phase, running, error, note } = bulk;
  if (phase.step === 'done') return <BulkDone text={phase.text} onClose={onClose} />;
  return (
    <form onSubmit={onSubmit} noValidate>
      <p>{intro}</p>
      <ErrorMessage error={error}>{note && <p>{note}</p>}</ErrorMessage>
      {!error && note && <p class="alert alert-info">{note}</p>}
      {children}
      <Progress phase={phase} />
      <FormActions cancel={<CancelOrStop run={bulk} onClose={onClose} />} disabled={running || disabled}>
        {action}
      </FormActions>
    </form>
  );
}

export function AddToAudienceDialog({ audiences, ...props }: BulkDialogProps & { audiences: Audience[] }) {
  return (
    <BulkDialog {...props} title="Add to audience" form={(p) => <AddToAudienceForm {...p} audiences={audiences} />} />
  );
}

function AddToAudienceForm({ target, audiences, onClose, onDone, lock }: FormProps & { audiences: Audience[] }) {
  const [audienceId, setAudienceId] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const bulk = useBulkRun(onDone, lock);
  const { running } = bulk;

  function submit(e: Event) {
    e.preventDefault();
    if (running) return;
    if (!audienceId) {
      setFieldError('Choose an audience.');
      return;
    }
    setFieldError(null);
    const id = audienceId;
    const name = audiences.find((a) => a.id === id)?.name ?? 'the audience';
    let changed = 0;
    let memberCount = 0;
    void bulk.run(
      target,
      async (batch) => {
        const r = await api.post(
          '/audiences/{id}/members',
          { consumerIds: batch },
          { path: { id }, headers: { 'Idempotency-Key': idempotencyKey() } },
        );
        changed += r.changed.length;
        memberCount = r.memberCount;
      },
      (n) => {
        const already = n - changed;
        return `Added ${changed.toLocaleString()} to ${name}${already ? `; ${already.toLocaleString()} were already members` : ''}. It has ${memberCount.toLocaleString()} members.`;
      },
    );
  }

  return (
    <BulkForm
      bulk={bulk}
      intro={`Add ${describeTarget(target)} to an audience.`}
      onSubmit={submit}
      onClose={onClose}
      action="Add"
      disabled={!audiences.length}
    >
      <SelectField
        label="Audience"
        value={audienceId}
        onValue={setAudienceId}
        error={fieldError}
        disabled={running}
        options={[{ value: '', label: 'Choose an audience' }, ...audiences.map((a) => ({ value: a.id, label: a.name }))]}
        hint={audiences.length ? undefined : 'There are no audiences yet: create one on the Audiences page.'}
      />
    </BulkForm>
  );
}

export function UpdateStatusDialog(props: BulkDialogProps) {
  return <BulkDialog {...props} title="Update status" form={(p) => <UpdateStatusForm {...p} />} />;
}

function UpdateStatusForm({ target, onClose, onDone, lock }: FormProps) {
  const [status, setStatus] = useState<Status>('active');
  const bulk = useBulkRun(onDone, lock);
  const { running } = bulk;

  function submit(e: Event) {
    e.preventDefault();
    if (running) return;
    const to = status;
    void bulk.run(
      target,
      async (batch) => {
        await api.post(
          '/consumers/bulk-status',
          { consumerIds: batch, status: to },
          { headers: { 'Idempotency-Key': idempotencyKey() } },
        );
      },
      (n) => `Updated ${n.toLocaleString()} ${n === 1 ? 'customer' : 'customers'} to ${to === 'active' ? 'Active' : 'Inactive'}.`,
    );
  }

  return (
    <BulkForm
      bulk={bulk}
      intro={`Set the status of ${describeTarget(target)}.`}
      onSubmit={submit}
      onClose={onClose}
      action="Update"
    >
      <SelectField
        label="New status"
        value={status}
        onValue={(v) => setStatus(v as Status)}
        disabled={running}
        options={[
          { value: 'active', label: 'Active' },
          { value: 'inactive', label: 'Inactive' },
        ]}
      />
    </BulkForm>
  );
}
