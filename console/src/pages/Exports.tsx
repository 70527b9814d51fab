// Exports (/app/exports): the organization's export jobs (GET /exports), newest first, with their
// status and a "Download" link per finished job. The list carries no download URLs: a click gets the
// job (GET /exports/{id}: a URL valid 15 minutes) and goes there. Jobs still running are polled.
// /app/exports?download=<id> (the link opened in a new tab) downloads that job's file.
import { useEffect, useState } from 'preact/hooks';
import { api, type ExportJob } from '../api/client';
import { ErrorMessage } from '../components/Alert';
import { formatDateTime, formatNumber } from '../components/format';
import { isRunning, JobStatus, usePolling } from '../components/jobs';
import { PagedTable, usePagedList } from '../components/PagedTable';
import type { Column } from '../components/Table';
import { usePageTitle } from '../components/usePageTitle';
import { toUrl } from '../prefix';
import { Link, setQuery, useLocation } from '../router';
import { DownloadLink } from './admin/common';

const POLL_MS = 2000;
const KINDS: Record<string, string> = { consumers: 'Customers', points_transactions: 'Points transactions' };
const FORMATS: Record<string, string> = { csv: 'CSV', xlsx: 'Excel' };
const COLUMNS: Column[] = [
  'Created',
  'Kind',
  'Format',
  'Status',
  { label: 'Rows', num: true },
  'Finished',
  'Contents',
  { label: 'Download', hidden: true },
];

async function downloadUrl(id: string): Promise<string | null | undefined> {
  return (await api.get('/exports/{id}', { path: { id } })).downloadUrl;
}

/** A short account of what a job exports ("3 picked · phone, tags"). */
function describe(job: ExportJob): string {
  const p = job.parameters as Record<string, unknown>;
  const parts: string[] = [];
  if (Array.isArray(p.consumerIds)) parts.push(`${p.consumerIds.length} picked`);
  const filters = p.filters && typeof p.filters === 'object' ? Object.keys(p.filters as object) : [];
  const shown = filters.filter((f) => f !== 'sortBy' && f !== 'sortDir');
  if (shown.length) parts.push(`filtered by ${shown.join(', ')}`);
  if (typeof p.programId === 'string') parts.push('one program');
  if (typeof p.ledger === 'string') parts.push(`ledger ${p.ledger}`);
  if (Array.isArray(p.fields) && p.fields.length) parts.push((p.fields as string[]).join(', '));
  return parts.join(' · ') || '—';
}

export default function ExportsPage() {
  usePageTitle('Exports');
  const loc = useLocation();
  const { page, list } = usePagedList((query, signal) => api.get('/exports', { query, signal }));
  const [updates, setUpdates] = useState<Record<string, ExportJob>>({});
  const [error, setError] = useState<unknown>(null);

  const rows = (list.data?.data ?? []).map((j) => updates[j.id] ?? j);
  const running = rows.filter((j) => isRunning(j.status)).map((j) => j.id);

  // Jobs still running on this page: poll each one until it ends.
  usePolling(
    running.length > 0,
    async (signal) => {
      const got = await Promise.all(running.map((id) => api.get('/exports/{id}', { path: { id }, signal })));
      setUpdates((u) => {
        const next = { ...u };
        for (const j of got) next[j.id] = j;
        return next;
      });
    },
    POLL_MS,
  );

  // ?download=<id>: the Download link opened in a new tab.
  const download = new URLSearchParams(loc.search).get('download');
  useEffect(() => {
    if (!download) return;
    setQuery({ download: null }, { replace: true });
    downloadUrl(download)
      .then((url) => {
        if (url) window.location.assign(url);
        else setError(new Error('That export has no file to download (yet).'));
      })
      .catch(setError);
  }, [download]);

  return (
    <section class="page">
      <header class="page-head">
        <h1>Exports</h1>
        <span class="spacer" />
        <button
          type="button"
          onClick={() => {
            setUpdates({});
            list.reload();
          }}
          disabled={list.loading}
        >
          Refresh
        </button>
      </header>
      <p class="muted">
        Start an export from the <Link href="/app/customers">Customers</Link> list (Export) or a customer’s Loyalty tab
        (Export transaction log). Download links work for 15 minutes; each click makes a new one.
      </p>
      <ErrorMessage error={list.error} />
      <ErrorMessage error={error} />
      <PagedTable
        label="Exports"
        columns={COLUMNS}
        rows={rows}
        list={list}
        page={page}
        noun="exports"
        empty="No exports yet."
      >
        {(j) => (
          <tr key={j.id}>
            <td>{formatDateTime(j.createdAt)}</td>
            <td>{KINDS[j.kind] ?? j.kind}</td>
            <td>{FORMATS[j.format] ?? j.format.toUpperCase()}</td>
            <td>
              <JobStatus status={j.status} />
              {j.error && (
                <span class={`small ${j.status === 'failed' ? 'field-error' : 'muted'} cell-note`}>
                  {j.status === 'failed' ? j.error : `Retrying: ${j.error}`}
                </span>
              )}
            </td>
            <td class="num">
              {j.rowCount !== null && j.rowCount !== undefined
                ? formatNumber(j.rowCount)
                : isRunning(j.status) && j.processedRows
                  ? `${formatNumber(j.processedRows)} so far`
                  : '—'}
            </td>
            <td>{formatDateTime(j.completedAt)}</td>
            <td class="cell-wrap small">{describe(j)}</td>
            <td>
              {j.status === 'succeeded' ? (
                <DownloadLink
                  href={toUrl(`/app/exports?download=${encodeURIComponent(j.id)}`)}
                  fresh={() => downloadUrl(j.id)}
                  onError={setError}
                >
                  Download
                </DownloadLink>
              ) : (
                <span class="muted small">{isRunning(j.status) ? 'Not ready' : '—'}</span>
              )}
            </td>
          </tr>
        )}
      </PagedTable>
    </section>
  );
}
