// "Export transaction log" (seed 003): After, Before, Date format → POST
// /consumers/{id}/loyalty/transactions/exports, then GET /exports/{id} until done → "Download".
// The program and ledger shown on the tab narrow the export; the file's instants are in UTC.
import { useState } from 'preact/hooks';
import { api, idempotencyKey, type ExportJob, type LoyaltyProgram, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { SelectField, TextField } from '../../components/Field';
import { FormActions, useFormSubmit } from '../../components/Form';
import { formatNumber, localDayStart } from '../../components/format';
import { ExportJobDialog } from '../../components/jobs';
import { dateInputValue, fieldError, namedFields, type CustomerDetail } from './util';

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
    <ExportJobDialog
      open={props.open}
      title="Export transaction log"
      onClose={props.onClose}
      ready={(j) =>
        `The transaction log is ready: ${formatNumber(j.rowCount)} ${j.rowCount === 1 ? 'transaction' : 'transactions'}.`
      }
      form={(onStarted) => <ExportForm {...props} onStarted={onStarted} />}
    />
  );
}

function ExportForm({ consumer, program, ledger, onClose, onStarted }: Props & { onStarted: (j: ExportJob) => void }) {
  const form = useFormSubmit();
  const { busy, error, invalid } = form;
  const [after, setAfter] = useState(() => dateInputValue(new Date(consumer.createdAt)));
  const [before, setBefore] = useState('');
  const [dateFormat, setDateFormat] = useState<Schemas['DateFormat']>('iso8601');

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const from = localDayStart(after);
    // "Before" names the last day wanted: the export ends at the start of the next one.
    const to = before ? localDayStart(before, 1) : null;
    if (!from) bad.after = 'Enter the first day';
    if (before && !to) bad.before = 'Enter a valid day';
    if (from && to && to <= from) bad.before = 'Before must be on or after After';
    if (!form.check(bad) || !from) return;
    await form.run(async (signal) => {
      const j = await api.post(
        '/consumers/{id}/loyalty/transactions/exports',
        { after: from, before: to, dateFormat, programId: program.id, ledger },
        { path: { id: consumer.id }, headers: { 'Idempotency-Key': idempotencyKey() }, signal },
      );
      onStarted(j);
    });
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
      <FormActions onCancel={onClose} disabled={busy}>
        Export
      </FormActions>
    </form>
  );
}
