// "Export": CSV or Excel, optional column groups; POST /exports, then GET /exports/{id} until done.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, idempotencyKey, type ExportField, type ExportJob, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { formatNumber } from '../../components/format';
import { useWriteGuard } from '../../session';
import { BATCH, describeTarget, type Target } from './bulk';
import { filterParams, sortParams } from './view';

const OPTIONAL: { field: ExportField; label: string }[] = [
  { field: 'phone', label: 'Phone' },
  { field: 'tags', label: 'Tags' },
  { field: 'loyalty', label: 'Loyalty data' },
  { field: 'metadata', label: 'Metadata' },
  { field: 'address', label: 'Address' },
  { field: 'orders', label: 'Orders' },
  { field: 'membership', label: 'Membership' },
];

const POLL_MS = 1000;

export function ExportDialog({ open, target, onClose }: { open: boolean; target: Target; onClose: () => void }) {
  return (
    <Dialog open={open} title="Export customers" onClose={onClose}>
      {open && <ExportForm target={target} onClose={onClose} />}
    </Dialog>
  );
}

function ExportForm({ target, onClose }: { target: Target; onClose: () => void }) {
  const guard = useWriteGuard();
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [fields, setFields] = useState<Set<ExportField>>(() => new Set(['phone']));
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

  const tooMany = target.kind === 'ids' && target.ids.length > BATCH;

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
    setBusy(true);
    setError(null);
    const body: Schemas['ConsumerExportCreate'] = {
      format,
      fields: OPTIONAL.map((o) => o.field).filter((f) => fields.has(f)),
    };
    if (target.kind === 'ids') body.consumerIds = target.ids;
    else body.filters = { ...filterParams(target.view), ...sortParams(target.view) };
    try {
      const j = await api.post('/exports', body, {
        headers: { 'Idempotency-Key': idempotencyKey() },
        signal: ctl.current.signal,
      });
      setJob(j);
      if (j.status === 'pending' || j.status === 'running') poll(j.id);
    } catch (err) {
      setBusy(false);
      setError(err);
    }
  }

  if (job) {
    const running = job.status === 'pending' || job.status === 'running';
    const known = job.rowCount ?? null;
    return (
      <div>
        <ErrorMessage error={error} />
        {running && (
          <>
            <progress
              aria-label="Export progress"
              value={known ? job.processedRows : undefined}
              max={known ?? undefined}
            />
            <p class="muted small" role="status">
              {job.status === 'pending' ? 'Waiting to start…' : `Writing rows… ${formatNumber(job.processedRows ?? 0)} so far`}
              {job.error ? ` (retrying: ${job.error})` : ''}
            </p>
          </>
        )}
        {job.status === 'succeeded' && (
          <div role="status">
            <progress aria-label="Export progress" value={1} max={1} />
            <p>
              The export is ready: {formatNumber(job.rowCount)} {job.rowCount === 1 ? 'row' : 'rows'} (
              {job.format === 'xlsx' ? 'Excel' : 'CSV'}).
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

  return (
    <form onSubmit={submit} noValidate>
      <p>
        Export {describeTarget(target)}
        {target.kind === 'matching' ? ', in the list’s order' : ''}. Consumer ID, Email, Full name, Status and Created
        at are always included.
      </p>
      {tooMany && (
        <p class="alert alert-error" role="alert">
          An export of picked customers takes at most {BATCH}. Use “Select all matching” with filters instead.
        </p>
      )}
      <ErrorMessage error={error} />
      <fieldset>
        <legend>Format</legend>
        {(
          [
            ['csv', 'CSV'],
            ['xlsx', 'Excel'],
          ] as const
        ).map(([value, label]) => (
          <label class="check" key={value}>
            <input
              type="radio"
              name="export-format"
              value={value}
              checked={format === value}
              onChange={() => setFormat(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Optional fields</legend>
        {OPTIONAL.map((o) => (
          <label class="check" key={o.field}>
            <input
              type="checkbox"
              checked={fields.has(o.field)}
              onChange={(e) => {
                const next = new Set(fields);
                if (e.currentTarget.checked) next.add(o.field);
                else next.delete(o.field);
                setFields(next);
              }}
            />
            {o.label}
          </label>
        ))}
      </fieldset>
      <div class="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="button-primary" {...guard(busy || tooMany)}>
          Start export
        </button>
      </div>
    </form>
  );
}
