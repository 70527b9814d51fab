// "Merge customers" (POST /consumers/{id}/merge), from the Duplicates page and a customer's Possible
// duplicates: two customers who are one person. Staff pick the one that stays (it keeps its id and
// page) and, for each field the two disagree on, whose value the merged customer takes. A dry run
// answers before anything is written: the merged customer field by field with where each value comes
// from, what moves (orders, points lot by lot, balance, audiences, timeline, identities) and what
// blocks the merge. "Merge" starts the job (irreversible); the dialog follows it (GET /merges/{id})
// until it is done.
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { FormActions } from '../../components/Form';
import { formatMoney, formatNumber } from '../../components/format';
import { isRunning, JobStatus, usePolling } from '../../components/jobs';
import { useAction } from '../../components/useAction';
import { useAsync } from '../../components/useAsync';

type Consumer = Schemas['Consumer'];
type Preview = Schemas['MergePreview'];
type Merge = Schemas['Merge'];
type Choosable = keyof typeof LABELS;

/** The fields staff may take from either customer, as the API names them, with their labels. */
const LABELS = {
  email: 'Email',
  phone: 'Phone',
  externalId: 'External ID',
  fullName: 'Full name',
  firstName: 'First name',
  lastName: 'Last name',
  address: 'Address',
  status: 'Status',
  membership: 'Membership',
  metadata: 'Metadata (whose keys win)',
} as const;
const OTHER_LABELS: Record<string, string> = {
  tags: 'Tags',
  'consent.email': 'Email consent',
  'consent.sms': 'SMS consent',
  'suppression.email': 'Email suppressed',
  'suppression.sms': 'SMS suppressed',
  blocked: 'Blocked',
};

/** "1 order", "2 orders" (the count formatted). */
const count = (n: number | undefined, one: string, many = `${one}s`) => `${formatNumber(n ?? 0)} ${n === 1 ? one : many}`;

/** A customer as a merge names it: its name, else its email, phone or id. */
const nameOf = (c: Consumer) => c.fullName ?? c.email ?? c.phone ?? c.id;

/** A field's value as text ("—" for none). */
function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => (typeof v === 'object' ? `${k}: ${JSON.stringify(v)}` : `${k}: ${String(v)}`));
    return parts.length ? parts.join(', ') : '—';
  }
  return String(value);
}

interface Props {
  open: boolean;
  /** The two customers (ids); the first is offered as the one that stays. */
  ids: [string, string] | null;
  onClose: () => void;
  /** After the merge: the customer that stays, and the name of the one merged into it. */
  onMerged: (survivorId: string, mergedName: string) => void;
}

export function MergeDialog(props: Props) {
  const [running, setRunning] = useState(false);
  return (
    <Dialog open={props.open} title="Merge customers" size="wide" onClose={props.onClose} locked={running}>
      {props.open && props.ids && <MergeForm {...props} ids={props.ids} onRunning={setRunning} />}
    </Dialog>
  );
}

function MergeForm({
  ids,
  onClose,
  onMerged,
  onRunning,
}: Props & { ids: [string, string]; onRunning: (running: boolean) => void }) {
  const both = useAsync(
    (signal) => Promise.all(ids.map((id) => api.get('/consumers/{id}', { path: { id }, signal }))),
    [ids[0], ids[1]],
  );
  const [keep, setKeep] = useState(ids[0]);
  const [choices, setChoices] = useState<Partial<Record<Choosable, string>>>({});
  const [profiles, setProfiles] = useState<Consumer[]>([]);
  useEffect(() => setProfiles(both.data ?? []), [both.data]);
  const survivor = profiles.find((p) => p.id === keep);
  const source = profiles.find((p) => p.id !== keep);

  const preview = useAsync(
    async (signal) =>
      survivor && source
        ? ((await api.post(
            '/consumers/{id}/merge',
            { sourceIds: [source.id], dryRun: true, fields: choices },
            { path: { id: survivor.id }, signal },
          )) as Preview)
        : null,
    [survivor?.id, source?.id, JSON.stringify(choices)],
  );
  const { busy, error, act } = useAction();
  const [job, setJob] = useState<Merge | null>(null);
  usePolling(job !== null && isRunning(job.status), async (signal) => {
    if (job) setJob(await api.get('/merges/{id}', { path: { id: job.id }, signal }));
  });
  useEffect(() => {
    onRunning(job !== null && isRunning(job.status));
    if (job?.status === 'succeeded' && source) onMerged(job.survivorId, nameOf(source));
  }, [job?.status]);

  if (both.error) return <ErrorMessage error={both.error} />;
  if (!survivor || !source) return <p class="muted">Loading the two customers…</p>;

  const byId = Object.fromEntries(profiles.map((p) => [p.id, p]));
  const differing = (Object.keys(LABELS) as Choosable[]).filter(
    (field) => shown(survivor[field]) !== shown(source[field]) && survivor[field] != null && source[field] != null,
  );
  const plan = preview.data;
  const blockers = plan?.blockers ?? [];
  const moves = plan?.moves;

  const start = () =>
    act(async () => {
      const started = (await api.post(
        '/consumers/{id}/merge',
        { sourceIds: [source.id], fields: choices, dryRun: false },
        { path: { id: survivor.id } },
      )) as Merge;
      setJob(started);
    });

  if (job) {
    return (
      <div>
        <StatusMessage>
          {job.status === 'succeeded'
            ? `${nameOf(source)} was merged into ${nameOf(survivor)}.`
            : job.status === 'failed'
              ? null
              : `Merging ${nameOf(source)} into ${nameOf(survivor)}…`}
        </StatusMessage>
        <p>
          <JobStatus status={job.status} />
        </p>
        {job.status === 'failed' && <ErrorMessage error={new Error(job.error ?? 'The merge failed.')} />}
        <FormActions cancel={<span />} onClick={onClose} disabled={isRunning(job.status)}>
          Close
        </FormActions>
      </div>
    );
  }

  return (
    <div>
      <fieldset class="choice">
        <legend>Which customer stays</legend>
        {profiles.map((p) => (
          <label key={p.id}>
            <input type="radio" name="keep" value={p.id} checked={p.id === keep} onChange={() => setKeep(p.id)} />{' '}
            {nameOf(p)} <span class="muted small">({[p.email, p.phone].filter(Boolean).join(' · ') || p.id})</span>
          </label>
        ))}
        <p class="hint">
          It keeps its id and page. The other is merged into it and its old id leads here. Everything it holds moves.
        </p>
      </fieldset>
      {differing.length > 0 && (
        <fieldset>
          <legend>Where they differ, keep</legend>
          {differing.map((field) => (
            <SelectField
              key={field}
              label={LABELS[field]}
              value={choices[field] ?? (survivor[field] != null ? survivor.id : source.id)}
              onValue={(id) => setChoices({ ...choices, [field]: id })}
              options={profiles.map((p) => ({ value: p.id, label: `${shown(p[field])} (${nameOf(p)})` }))}
            />
          ))}
        </fieldset>
      )}
      <ErrorMessage error={preview.error ?? error} />
      {blockers.length > 0 && (
        <div class="alert alert-error" role="alert">
          <p>These customers cannot be merged yet:</p>
          <ul>
            {blockers.map((b) => (
              <li key={`${b.reason}-${b.consumerId ?? ''}`}>
                {b.consumerId && byId[b.consumerId] ? `${nameOf(byId[b.consumerId])}: ` : ''}
                {b.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {plan && (
        <>
          <h3 id="merged-heading">The merged customer</h3>
          <div class="table-wrap" role="region" aria-labelledby="merged-heading" tabIndex={0}>
            <table aria-labelledby="merged-heading">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Value</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {plan.fields.map((f) => (
                  <tr key={f.field}>
                    <th scope="row">{(LABELS as Record<string, string>)[f.field] ?? OTHER_LABELS[f.field] ?? f.field}</th>
                    <td>{shown(f.value)}</td>
                    <td>{f.takenFrom.map((id) => (byId[id] ? nameOf(byId[id]) : id)).join(', ')}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">Orders</th>
                  <td>
                    {formatNumber(plan.consumer.totalOrders)} ({formatMoney(plan.consumer.totalOrderValue)})
                  </td>
                  <td>recomputed</td>
                </tr>
                <tr>
                  <th scope="row">Points</th>
                  <td>{formatNumber(plan.consumer.loyalty.points)}</td>
                  <td>recomputed</td>
                </tr>
              </tbody>
            </table>
          </div>
          {moves && (
            <>
              <h3 id="moves-heading">Moves to {nameOf(survivor)}</h3>
              <ul aria-labelledby="moves-heading">
                <li>{count(moves.orders, 'order')}, with their refunds</li>
                <li>
                  {count(moves.points, 'point')} in {count(moves.loyaltyLots, 'lot')} (each keeps its dates),{' '}
                  {count(moves.pointsTransactions, 'points transaction')}
                </li>
                <li>
                  {formatMoney(moves.balance)} balance, {count(moves.balanceAdjustments, 'balance adjustment')}
                </li>
                <li>
                  {count(moves.timelineEvents, 'timeline event')}, {count(moves.consentChanges, 'consent change')}
                </li>
                <li>
                  {count(moves.coupons, 'coupon')}, {count(moves.referralCodes, 'referral code')},{' '}
                  {count(moves.referralsMade, 'referral')} made
                </li>
                <li>{count((moves.audiences ?? []).length, 'audience')} joined</li>
                <li>
                  Still finds it:{' '}
                  {[...(moves.emails ?? []), ...(moves.phones ?? []), ...(moves.externalIds ?? [])].join(', ') ||
                    'no other identifier'}
                  {(moves.shopifyCustomerIds ?? []).length > 0 &&
                    `; Shopify customers ${(moves.shopifyCustomerIds ?? []).join(', ')}`}
                  {(moves.klaviyoProfileIds ?? []).length > 0 && '; its Klaviyo profile (merged in Klaviyo too)'}
                </li>
              </ul>
            </>
          )}
        </>
      )}
      <FormActions onCancel={onClose} onClick={() => void start()} disabled={busy || !plan || blockers.length > 0} danger>
        Merge into {nameOf(survivor)}
      </FormActions>
    </div>
  );
}
