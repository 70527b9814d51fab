// "Export": CSV or Excel, optional column groups; POST /exports, then GET /exports/{id} until done.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, idempotencyKey, type ExportField, type ExportJob, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { formatNumber } from '../../components/format';
import { ExportJobResult, useExportJob } from '../../components/jobs';
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
  const [started, setStarted] = useState<ExportJob | null>(null);
  const { job, error: pollError } = useExportJob(started);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ctl = useRef(new AbortController());
  useEffect(() => () => ctl.current.abort(), []);

  const tooMany = target.kind === 'ids' && target.ids.length > BATCH;

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
      setStarted(j);
    } catch (err) {
      if (ctl.current.signal.aborted) return;
      setBusy(false);
      setError(err);
    }
  }

  if (job) {
    return (
      <ExportJobResult
        job={job}
        error={pollError}
        onClose={onClose}
        ready={(j) =>
          `The export is ready: ${formatNumber(j.rowCount)} ${j.rowCount === 1 ? 'row' : 'rows'} (${j.format === 'xlsx' ? 'Excel' : 'CSV'}).`
        }
      />
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
