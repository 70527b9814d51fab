// "Export transaction log" (seed 003): After, Before, Date format → POST
// /consumers/{id}/loyalty/transactions/exports, then GET /exports/{id} until done → "Download".
// The program and ledger shown on the tab narrow the export; the file's instants are in UTC.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, idempotencyKey, type ExportJob, type LoyaltyProgram, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { SelectField, TextField } from '../../components/Field';
import { formatNumber, localDayStart } from '../../components/format';
import { useWriteGuard } from '../../session';
import { dateInputValue, fieldError, namedFields, type CustomerDetail } from './util';

const POLL_MS = 1000;
const FORMATS: { value: Schemas['DateFormat']; label: string }[] = [
  { value: 'iso8601', label: 'ISO 8601 (2025-03-12T14:05:00Z)' },
  { value: 'yyyy-mm-dd', label: 'yyyy-mm-dd' },
  { value: 'dd/mm/yyyy', label: 'dd/mm/yyyy' },
  { value: 'mm/dd/yyyy', label: 'mm/dd/yyyy' },
];

interface Props {
  open: boolean;
  consumer: CustomerDetail;
  program: LoyaltyProgram;
  /** The ledger shown (null: all ledgers). */
  ledger: string | null;
  onClose: () => void;
}

export function TransactionExportDialog(props: Props) {
  return (
    <Dialog open={props.open} title="Export transaction log" onClose={props.onClose}>
      {props.open && <ExportForm {...props} />}
    </Dialog>
  );
}

function ExportForm({ consumer, program, ledger, onClose }: Props) {
  const guard = useWriteGuard();
  const [after, setAfter] = useState(() => dateInputValue(new Date(consumer.createdAt)));
  const [before, setBefore] = useState('');
  const [dateFormat, setDateFormat] = useState<Schemas['DateFormat']>('iso8601');
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  const ctl = useRef(new AbortController());

  useEffect(
    () => () => {
      window.clearTimeout(timer.current);
      ctl.current.abort();
    },
    [],
  );

  function poll(id: string) {
    timer.current = window.setTimeout(async () => {
      try {
        const j = await api.get('/exports/{id}', { path: { id }, signal: ctl.current.signal });
        setJob(j);
        if (j.status === 'pending' || j.status === 'running') poll(id);
      } catch (e) {
        if (!ctl.current.signal.aborted) setError(e);
      }
    }, POLL_MS);
  }

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const from = localDayStart(after);
    // "Before" names the last day wanted: the export ends at the start of the next one.
    const to = before ? localDayStart(before, 1) : null;
    if (!from) bad.after = 'Enter the first day';
    if (before && !to) bad.before = 'Enter a valid day';
    if (from && to && to <= from) bad.before = 'Before must be on or after After';
    setInvalid(bad);
    setError(null);
    if (Object.keys(bad).length || !from) return;
    setBusy(true);
    try {
      const j = await api.post(
        '/consumers/{id}/loyalty/transactions/exports',
        { after: from, before: to, dateFormat, programId: program.id, ledger },
        { path: { id: consumer.id }, headers: { 'Idempotency-Key': idempotencyKey() }, signal: ctl.current.signal },
      );
      setJob(j);
      if (j.status === 'pending' || j.status === 'running') poll(j.id);
    } catch (err) {
      setBusy(false);
      setError(err);
    }
  }

  if (job) {
    const running = job.status === 'pending' || job.status === 'running';
    return (
      <div>
        <ErrorMessage error={error} />
        {running && (
          <>
            <progress aria-label="Export progress" />
            <p class="muted small" role="status">
              {job.status === 'pending'
                ? 'Waiting to start…'
                : `Writing rows… ${formatNumber(job.processedRows ?? 0)} so far`}
            </p>
          </>
        )}
        {job.status === 'succeeded' && (
          <div role="status">
            <p>
              The transaction log is ready: {formatNumber(job.rowCount)} {job.rowCount === 1 ? 'transaction' : 'transactions'}.
            </p>
            {job.downloadUrl && (
              <p>
                <a class="button button-primary" href={job.downloadUrl} download>
                  Download
                </a>{' '}
                <span class="muted small">The link works for 15 minutes; the Exports page makes a new one.</span>
              </p>
            )}
          </div>
        )}
        {job.status === 'failed' && (
          <div class="alert alert-error" role="alert">
            <p>The export failed{job.error ? `: ${job.error}` : '.'}</p>
          </div>
        )}
        <div class="actions">
          <button type="button" onClick={onClose}>
            {running ? 'Close (the export goes on)' : 'Close'}
          </button>
        </div>
      </div>
    );
  }

  const err = (name: string) => invalid[name] ?? fieldError(error, name);
  return (
    <form onSubmit={submit} noValidate>
      <p>
        The transactions of {program.name}, {ledger ? `ledger ${ledger}` : 'all ledgers'}, as a CSV. Its dates are in UTC.
      </p>
      <ErrorMessage error={error} fields={namedFields(error, 'after', 'before', 'dateFormat')} />
      <TextField
        type="date"
        label="After"
        value={after}
        onValue={setAfter}
        error={err('after')}
        hint="From the start of this day"
      />
      <TextField
        type="date"
        label="Before"
        value={before}
        onValue={setBefore}
        error={err('before')}
        hint="Up to the end of this day; empty: up to now"
      />
      <SelectField
        label="Date format"
        value={dateFormat}
        onValue={(v) => setDateFormat(v as Schemas['DateFormat'])}
        options={FORMATS}
        error={err('dateFormat')}
      />
      <div class="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="button-primary" {...guard(busy)}>
          Export
        </button>
      </div>
    </form>
  );
}
