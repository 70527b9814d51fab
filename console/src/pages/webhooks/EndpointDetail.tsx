// One webhook endpoint (/app/webhooks/:id): its settings, "Edit endpoint", "Enable endpoint" /
// "Disable endpoint", "Rotate secret" (the new secret shown once), "Delete endpoint" (confirmed),
// "Replay since…" and its delivery attempts (paged, the page in the URL).
import { useState } from 'preact/hooks';
import { ApiError, api, idempotencyKey } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { TextField } from '../../components/Field';
import { setFlash } from '../../components/flash';
import { formatDateTime, formatNumber } from '../../components/format';
import { PagedTable, usePagedList } from '../../components/PagedTable';
import type { Column } from '../../components/Table';
import { useAction } from '../../components/useAction';
import { useAsync } from '../../components/useAsync';
import { usePageTitle } from '../../components/usePageTitle';
import { Link, navigate } from '../../router';
import { useWriteGuard } from '../../session';
import { Figures } from '../admin/common';
import { EndpointStatus, eventLabel } from '../Webhooks';
import {
  DeleteEndpointDialog,
  EndpointDialog,
  RotateDialog,
  SecretDialog,
  type Endpoint,
  type EndpointWithSecret,
} from './EndpointDialogs';

const DELIVERY_COLUMNS: Column[] = [
  'Time',
  'Event',
  { label: 'Attempt', num: true },
  { label: 'Status code', num: true },
  { label: 'Duration', num: true },
  'Result',
  'Next attempt',
];

type DialogName = 'edit' | 'rotate' | 'delete' | null;

export default function EndpointDetailPage({ id }: { id: string }) {
  usePageTitle('Webhook endpoint');
  const guard = useWriteGuard();
  const loaded = useAsync((signal) => api.get('/webhook-endpoints/{id}', { path: { id }, signal }), [id]);
  const [latest, setLatest] = useState<Endpoint | null>(null);
  const endpoint = latest ?? loaded.data ?? null;
  const [dialog, setDialog] = useState<DialogName>(null);
  const [shown, setShown] = useState<EndpointWithSecret | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const toggle = useAction();
  const deliveries = usePagedList(
    (query, signal) => api.get('/webhook-endpoints/{id}/deliveries', { path: { id }, query, signal }),
    [id],
  );

  const missing = loaded.error instanceof ApiError && loaded.error.status === 404;

  function switchTo(enabled: boolean) {
    if (!endpoint) return;
    setNotice(null);
    void toggle.act(async () => {
      const saved = await api.put('/webhook-endpoints/{id}', { enabled }, { path: { id: endpoint.id } });
      setLatest(saved);
      setNotice(enabled ? 'The endpoint is enabled: events are delivered to it.' : 'The endpoint is disabled: nothing is delivered to it.');
    });
  }

  return (
    <section class="page">
      <p class="breadcrumb">
        <Link href="/app/webhooks">Webhooks</Link>
      </p>
      <header class="page-head">
        <h1>Webhook endpoint</h1>
      </header>
      {missing ? (
        <p class="alert alert-info">This endpoint does not exist (it may have been deleted).</p>
      ) : (
        <ErrorMessage error={loaded.error} />
      )}
      <StatusMessage>{notice}</StatusMessage>
      {loaded.loading && !endpoint && <p class="muted">Loading…</p>}
      {endpoint && (
        <>
          <section class="panel" aria-labelledby="endpoint-heading">
            <h2 id="endpoint-heading" class="cell-wrap">
              {endpoint.url}
            </h2>
            <p>
              <EndpointStatus endpoint={endpoint} />
            </p>
            {endpoint.description && <p>{endpoint.description}</p>}
            <Figures
              items={[
                ['Events', endpoint.events.map(eventLabel).join(', ')],
                ['Created', formatDateTime(endpoint.createdAt)],
                ['Updated', formatDateTime(endpoint.updatedAt)],
                ['Secret rotated', endpoint.secretRotatedAt ? formatDateTime(endpoint.secretRotatedAt) : 'Never'],
                ...(endpoint.disabledAt ? [['Disabled', formatDateTime(endpoint.disabledAt)] as [string, string]] : []),
                ...(endpoint.failingSince ? [['Failing since', formatDateTime(endpoint.failingSince)] as [string, string]] : []),
              ]}
            />
            <ErrorMessage error={toggle.error} />
            <div class="actions actions-start">
              <button type="button" {...guard()} onClick={() => setDialog('edit')}>
                Edit endpoint
              </button>
              {endpoint.enabled ? (
                <button type="button" {...guard(toggle.busy)} onClick={() => switchTo(false)}>
                  Disable endpoint
                </button>
              ) : (
                <button type="button" {...guard(toggle.busy)} onClick={() => switchTo(true)}>
                  Enable endpoint
                </button>
              )}
              <button type="button" {...guard()} onClick={() => setDialog('rotate')}>
                Rotate secret
              </button>
              <button type="button" class="button-danger" {...guard()} onClick={() => setDialog('delete')}>
                Delete endpoint
              </button>
            </div>
          </section>
          <ReplayPanel endpoint={endpoint} onReplayed={() => deliveries.list.reload()} />
        </>
      )}
      {!missing && (
        <section class="panel" aria-labelledby="deliveries-heading">
          <div class="toolbar">
            <h2 id="deliveries-heading">Deliveries</h2>
            <span class="spacer" />
            <button type="button" onClick={() => deliveries.list.reload()} disabled={deliveries.list.loading}>
              Refresh deliveries
            </button>
          </div>
          <p class="muted small">Every attempt of the last 30 days, newest first.</p>
          <ErrorMessage error={deliveries.list.error} />
          <PagedTable
            label="Deliveries"
            labelledBy="deliveries-heading"
            columns={DELIVERY_COLUMNS}
            rows={deliveries.list.data?.data ?? []}
            list={deliveries.list}
            page={deliveries.page}
            noun="deliveries"
            empty="No deliveries yet."
          >
            {(d) => (
              <tr key={d.id}>
                <td>{formatDateTime(d.attemptedAt)}</td>
                <td>
                  {eventLabel(d.eventType)} <code class="muted small">{d.eventId}</code>
                  {d.replay && <span class="badge badge-info">Replay</span>}
                </td>
                <td class="num">{formatNumber(d.attempt)}</td>
                <td class="num">{d.statusCode ?? '—'}</td>
                <td class="num">{formatNumber(d.durationMs)} ms</td>
                <td class="cell-wrap">
                  <span class={`badge ${d.succeeded ? 'badge-ok' : 'badge-bad'}`}>{d.succeeded ? 'Delivered' : 'Failed'}</span>
                  {d.error && <span class="small field-error cell-note">{d.error}</span>}
                </td>
                <td>{d.nextAttemptAt ? formatDateTime(d.nextAttemptAt) : '—'}</td>
              </tr>
            )}
          </PagedTable>
        </section>
      )}
      <EndpointDialog
        open={dialog === 'edit'}
        endpoint={endpoint}
        onClose={() => setDialog(null)}
        onSaved={(saved) => {
          setDialog(null);
          setLatest(saved);
          setNotice('Saved the endpoint.');
        }}
      />
      <RotateDialog
        endpoint={dialog === 'rotate' ? endpoint : null}
        onClose={() => setDialog(null)}
        onRotated={(r) => {
          setDialog(null);
          setLatest(r);
          setShown(r);
        }}
      />
      <SecretDialog shown={shown} rotated onClose={() => setShown(null)} />
      <DeleteEndpointDialog
        endpoint={dialog === 'delete' ? endpoint : null}
        onClose={() => setDialog(null)}
        onDeleted={(gone) => {
          setFlash(`Deleted the endpoint ${gone.url}.`);
          navigate('/app/webhooks');
        }}
      />
    </section>
  );
}

/** "Replay since…": every stored event since then (30 days at most) of the endpoint's types, delivered again. */
function ReplayPanel({ endpoint, onReplayed }: { endpoint: Endpoint; onReplayed: () => void }) {
  const guard = useWriteGuard();
  const [since, setSince] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();

  function submit(e: Event) {
    e.preventDefault();
    setNotice(null);
    const at = since ? new Date(since) : null;
    if (!at || Number.isNaN(at.getTime())) {
      setFieldError('Enter the date and time to replay from.');
      return;
    }
    setFieldError(null);
    void action.act(async () => {
      try {
        const r = await api.post(
          '/webhook-endpoints/{id}/replay',
          { since: at.toISOString() },
          { path: { id: endpoint.id }, headers: { 'Idempotency-Key': idempotencyKey() } },
        );
        setNotice(`Replaying the events from ${formatDateTime(r.since)} to ${formatDateTime(r.until)}: they are delivered again in the background.`);
        onReplayed();
      } catch (err) {
        if (err instanceof ApiError && err.fieldErrors.since) setFieldError(err.fieldErrors.since);
        throw err;
      }
    });
  }

  return (
    <section class="panel" aria-labelledby="replay-heading">
      <h2 id="replay-heading">Replay since…</h2>
      <form class="settings-form" onSubmit={submit} noValidate>
        <StatusMessage>{notice}</StatusMessage>
        <ErrorMessage error={action.error} fields={['since']} />
        <TextField
          label="Replay events since"
          type="datetime-local"
          value={since}
          onValue={setSince}
          error={fieldError}
          hint="Local time, at most 30 days back. The stored events since then, of the types this endpoint takes, are delivered again, oldest first, each with its own webhook-id."
        />
        <div class="actions actions-start">
          <button type="submit" {...guard(action.busy)}>
            {action.busy ? 'Replaying…' : 'Replay'}
          </button>
        </div>
      </form>
    </section>
  );
}
