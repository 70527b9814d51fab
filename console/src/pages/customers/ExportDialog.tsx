// "Export": CSV or Excel, optional column groups; POST /exports, then GET /exports/{id} until done.
import { useState } from 'preact/hooks';
import { api, idempotencyKey, type ExportField, type ExportJob, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { FormActions, useFormSubmit } from '../../components/Form';
import { formatNumber } from '../../components/format';
import { ExportJobDialog } from '../../components/jobs';
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
  { field: 'consent', label: 'Marketing consent' },
];

export function ExportDialog({ open, target, onClose }: { open: boolean; target: Target; onClose: () => void }) {
  return (
    <ExportJobDialog
      open={open}
      title="Export customers"
      onClose={onClose}
      ready={(j) =>
        `The export is ready: ${formatNumber(j.rowCount)} ${j.rowCount === 1 ? 'row' : 'rows'} (${j.format === 'xlsx' ? 'Excel' : 'CSV'}).`
      }
      form={(onStarted) => <ExportForm target={target} onClose={onClose} onStarted={onStarted} />}
    />
  );
}

function ExportForm({
  target,
  onClose,
  onStarted,
}: {
  target: Target;
  onClose: () => void;
  onStarted: (j: ExportJob) => void;
}) {
  const form = useFormSubmit();
  const { busy, error } = form;
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [fields, setFields] = useState<Set<ExportField>>(() => new Set(['phone']));

  const tooMany = target.kind === 'ids' && target.ids.length > BATCH;

  async function submit(e: Event) {
    e.preventDefault();
    const body: Schemas['ConsumerExportCreate'] = {
      format,
      fields: OPTIONAL.map((o) => o.field).filter((f) => fields.has(f)),
    };
    if (target.kind === 'ids') body.consumerIds = target.ids;
    else body.filters = { ...filterParams(target.view), ...sortParams(target.view) };
    await form.run(async (signal) => {
      const j = await api.post('/exports', body, { headers: { 'Idempotency-Key': idempotencyKey() }, signal });
      onStarted(j);
    });
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
      <FormActions onCancel={onClose} disabled={busy || tooMany}>
        Start export
      </FormActions>
    </form>
  );
}
