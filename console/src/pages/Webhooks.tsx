// Webhooks (/app/webhooks): the environment's webhook endpoints (URL, events, enabled or disabled with
// the reason), "Add endpoint" (its signing secret shown once), and the event log (GET /events, filtered
// by type, paged; the type and page in the URL). One endpoint: /app/webhooks/:id (pages/webhooks/EndpointDetail).
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { ErrorMessage, StatusMessage } from '../components/Alert';
import { takeFlash } from '../components/flash';
import { SelectField } from '../components/Field';
import { formatDateTime } from '../components/format';
import { clearPage } from '../components/Pager';
import { PagedTable, usePagedList } from '../components/PagedTable';
import type { Column } from '../components/Table';
import { usePageTitle } from '../components/usePageTitle';
import { Link, setQuery, useQuery } from '../router';
import { useWriteGuard } from '../session';
import { EndpointDialog, EVENT_TYPES, SecretDialog, type Endpoint, type EndpointWithSecret } from './webhooks/EndpointDialogs';

const ENDPOINT_COLUMNS: Column[] = ['URL', 'Events', 'Status', 'Created'];
const EVENT_COLUMNS: Column[] = ['Time', 'Type', 'Event ID', 'Object', 'Data'];
const EVENTS_PREFIX = 'events';

export function eventLabel(type: string): string {
  return EVENT_TYPES.find((t) => t.value === type)?.label ?? type;
}

/** An endpoint's state as a badge, with why Clientele disabled it. */
export function EndpointStatus({ endpoint }: { endpoint: Endpoint }) {
  return (
    <>
      <span class={`badge ${endpoint.enabled ? 'badge-ok' : 'badge-off'}`}>{endpoint.enabled ? 'Enabled' : 'Disabled'}</span>
      {!endpoint.enabled && endpoint.disabledReason && (
        <span class="small field-error cell-note">Disabled by Clientele: {endpoint.disabledReason}</span>
      )}
      {endpoint.enabled && endpoint.failingSince && (
        <span class="small muted cell-note">Failing since {formatDateTime(endpoint.failingSince)}</span>
      )}
    </>
  );
}

export default function WebhooksPage() {
  usePageTitle('Webhooks');
  const guard = useWriteGuard();
  const { page, list } = usePagedList((query, signal) => api.get('/webhook-endpoints', { query, signal }));
  const [adding, setAdding] = useState(false);
  const [shown, setShown] = useState<EndpointWithSecret | null>(null);
  const [notice, setNotice] = useState<string | null>(takeFlash);
  const rows = list.data?.data ?? [];

  return (
    <section class="page">
      <header class="page-head">
        <h1>Webhooks</h1>
        <span class="spacer" />
        <button type="button" class="button-primary" {...guard()} onClick={() => setAdding(true)}>
          Add endpoint
        </button>
      </header>
      <p class="muted">
        Clientele sends each event to the endpoints that take its type, signed with the endpoint’s secret (Standard
        Webhooks), and retries failures for up to 5 days. An endpoint that answers 410 Gone, or fails for 5 days, is
        disabled.
      </p>
      <StatusMessage>{notice}</StatusMessage>
      <section class="panel" aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        <ErrorMessage error={list.error} />
        <PagedTable
          label="Endpoints"
          labelledBy="endpoints-heading"
          columns={ENDPOINT_COLUMNS}
          rows={rows}
          list={list}
          page={page}
          noun="endpoints"
          empty="No endpoints yet."
          pager="Endpoint pages"
        >
          {(e) => (
            <tr key={e.id}>
              <td class="cell-wrap">
                <Link href={`/app/webhooks/${encodeURIComponent(e.id)}`}>{e.url}</Link>
                {e.description && <span class="small muted cell-note">{e.description}</span>}
              </td>
              <td class="cell-wrap small">{e.events.map(eventLabel).join(', ')}</td>
              <td>
                <EndpointStatus endpoint={e} />
              </td>
              <td>{formatDateTime(e.createdAt)}</td>
            </tr>
          )}
        </PagedTable>
      </section>
      <EventLog />
      <EndpointDialog
        open={adding}
        endpoint={null}
        onClose={() => setAdding(false)}
        onSaved={(saved) => {
          setAdding(false);
          setNotice(`Added the endpoint ${saved.url}.`);
          list.reload();
          if ('secret' in saved) setShown(saved as EndpointWithSecret);
        }}
      />
      <SecretDialog shown={shown} rotated={false} onClose={() => setShown(null)} />
    </section>
  );
}

/** The event log: GET /events, newest first, `type` and the page in the URL. */
function EventLog() {
  const q = useQuery();
  const type = q.get('type') ?? '';
  const known = EVENT_TYPES.some((t) => t.value === type);
  const { page, list } = usePagedList(
    (query, signal) => api.get('/events', { query: { ...query, ...(known ? { type } : {}) }, signal }),
    [type],
    EVENTS_PREFIX,
  );
  const rows = list.data?.data ?? [];
  return (
    <section class="panel" aria-labelledby="events-heading">
      <h2 id="events-heading">Event log</h2>
      <p class="muted small">The events of the last 30 days, newest first, as webhooks deliver them.</p>
      <div class="toolbar">
        <SelectField
          label="Event type"
          value={known ? type : ''}
          onValue={(v) => setQuery({ type: v, ...clearPage(EVENTS_PREFIX) })}
          options={[{ value: '', label: 'All events' }, ...EVENT_TYPES]}
        />
        <button type="button" onClick={() => list.reload()} disabled={list.loading}>
          Refresh events
        </button>
      </div>
      <ErrorMessage error={list.error} />
      <PagedTable
        label="Events"
        labelledBy="events-heading"
        columns={EVENT_COLUMNS}
        rows={rows}
        list={list}
        page={page}
        noun="events"
        empty={known ? 'No events of this type in the last 30 days.' : 'No events in the last 30 days.'}
        prefix={EVENTS_PREFIX}
        pager="Event pages"
      >
        {(ev) => {
          const objectId = typeof ev.data.id === 'string' ? ev.data.id : null;
          return (
            <tr key={ev.id}>
              <td>{formatDateTime(ev.createdAt)}</td>
              <td>
                {eventLabel(ev.type)} <code class="muted small">{ev.type}</code>
              </td>
              <td>
                <code>{ev.id}</code>
              </td>
              <td>
                {objectId && ev.type.startsWith('consumer.') && ev.type !== 'consumer.erased' && ev.type !== 'consumer.deleted' ? (
                  <Link href={`/app/customers/${encodeURIComponent(objectId)}`}>{objectId}</Link>
                ) : (
                  (objectId ?? '—')
                )}
              </td>
              <td>
                <details>
                  <summary>
                    Data<span class="sr-only"> of {ev.id}</span>
                  </summary>
                  <pre class="event-data">{JSON.stringify({ data: ev.data, previousAttributes: ev.previousAttributes ?? undefined }, null, 2)}</pre>
                </details>
              </td>
            </tr>
          );
        }}
      </PagedTable>
    </section>
  );
}
