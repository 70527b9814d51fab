// Imports (/app/imports): upload a CSV, choose duplicate handling, watch its progress, see the counts,
// the first errors and download the failed rows.
//
// Flow: POST /imports → uploadUrl (presigned S3 PUT, 1 hour) → PUT the file there → poll GET /imports/{id}.
// The import being watched is in the URL (?import=<id>), so a reload or a shared link shows it. The
// API has no list of imports, so "Imports started here" holds the imports started on this page since
// the console was loaded (memory only).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, idempotencyKey, type ImportJob, type Schemas } from '../api/client';
import { ErrorMessage } from '../components/Alert';
import { Field, SelectField } from '../components/Field';
import { formatDateTime, formatNumber } from '../components/format';
import { JobStatus, usePolling } from '../components/jobs';
import { EmptyRow, TableHead, TableWrap, type Column } from '../components/Table';
import { usePageTitle } from '../components/usePageTitle';
import { Link, setQuery, useLocation } from '../router';
import { useWriteGuard } from '../session';
import { DownloadLink, Figures } from './admin/common';

type OnDuplicate = Schemas['OnDuplicate'];

const DUPLICATES: { value: OnDuplicate; label: string }[] = [
  { value: 'skip', label: 'Skip the row (keep the customer as it is)' },
  { value: 'update', label: 'Update the customer with the row' },
  { value: 'error', label: 'Fail the row' },
];
const DUPLICATE_LABEL: Record<string, string> = { skip: 'Skip', update: 'Update', error: 'Fail' };

const POLL_MS = 1000;
const ERROR_COLUMNS: Column[] = [{ label: 'Row', num: true }, 'Field', 'Message'];
const RECENT_COLUMNS: Column[] = [
  'File',
  'Started',
  'Duplicates',
  'Status',
  { label: 'Created', num: true },
  { label: 'Updated', num: true },
  { label: 'Skipped', num: true },
  { label: 'Failed', num: true },
];

interface Started {
  id: string;
  fileName: string;
  size: number;
  onDuplicate: OnDuplicate;
  startedAt: string;
  /** The file reached storage (so "awaiting upload" is only a moment). */
  uploaded: boolean;
  job: ImportJob | null;
}

// The imports started on this page since the console loaded, newest first (no API lists imports).
const started: Started[] = [];

function remember(job: ImportJob): void {
  const s = started.find((x) => x.id === job.id);
  if (s) s.job = job;
}

type Phase = { step: 'idle' } | { step: 'creating' } | { step: 'uploading'; id: string };

export default function ImportsPage() {
  usePageTitle('Imports');
  const loc = useLocation();
  const importId = new URLSearchParams(loc.search).get('import');
  const [, rerender] = useState(0);

  return (
    <section class="page">
      <header class="page-head">
        <h1>Imports</h1>
      </header>
      <UploadForm onStarted={() => rerender((n) => n + 1)} />
      {importId && <ImportView key={importId} id={importId} onJob={() => rerender((n) => n + 1)} />}
      <RecentImports current={importId} />
    </section>
  );
}

function UploadForm({ onStarted }: { onStarted: () => void }) {
  const guard = useWriteGuard();
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [onDuplicate, setOnDuplicate] = useState<OnDuplicate>('skip');
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [fileError, setFileError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const busy = phase.step !== 'idle';

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (!file) {
      setFileError('Choose a CSV file.');
      fileRef.current?.focus();
      return;
    }
    if (file.size === 0) {
      setFileError('The file is empty.');
      fileRef.current?.focus();
      return;
    }
    setFileError(null);
    setPhase({ step: 'creating' });
    let job: ImportJob;
    try {
      job = await api.post('/imports', { onDuplicate }, { headers: { 'Idempotency-Key': idempotencyKey() } });
    } catch (err) {
      setPhase({ step: 'idle' });
      setError(err);
      return;
    }
    const entry: Started = {
      id: job.id,
      fileName: file.name,
      size: file.size,
      onDuplicate,
      startedAt: job.createdAt,
      uploaded: false,
      job,
    };
    started.unshift(entry);
    onStarted();
    if (!job.uploadUrl) {
      setPhase({ step: 'idle' });
      setError(new Error('The API gave no upload URL for this import.'));
      return;
    }
    setPhase({ step: 'uploading', id: job.id });
    try {
      // Straight to storage (presigned PUT, another origin): no cookie, no CSRF header.
      const res = await fetch(job.uploadUrl, { method: 'PUT', body: file, credentials: 'omit', cache: 'no-store' });
      if (!res.ok) {
        const text = (await res.text().catch(() => '')).slice(0, 300);
        throw new Error(`Storage answered ${res.status} ${res.statusText}${text ? `: ${text}` : ''}`);
      }
    } catch (err) {
      setPhase({ step: 'idle' });
      const why = err instanceof Error ? err.message : String(err);
      setError(
        new Error(
          `The file could not be sent to storage (${why}). Import ${job.id} waits for its file; upload it again to start another.`,
        ),
      );
      setQuery({ import: job.id });
      return;
    }
    entry.uploaded = true;
    setPhase({ step: 'idle' });
    setFile(null);
    if (fileRef.current) fileRef.current.value = '';
    setQuery({ import: job.id });
  }

  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload a CSV</h2>
      <p class="muted small">
        Columns (headers in any case): email, fullName (or name, full name), firstName, lastName, phone, externalId,
        status, tags (separated by ; or |), metadata.&lt;key&gt;, and consent per channel: emailConsent and
        smsConsent (subscribed, unsubscribed or never_subscribed), with emailConsentedAt / smsConsentedAt (when the
        person agreed) and emailConsentWording / smsConsentWording. UTF-8. Each row needs an email, a phone or an
        external ID.
      </p>
      <ErrorMessage error={error} />
      <div class="toolbar">
        <Field label="CSV file" error={fileError} hint="A .csv file; the header is row 1.">
          {(p) => (
            <input
              {...p}
              ref={fileRef}
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0] ?? null);
                setFileError(null);
              }}
            />
          )}
        </Field>
        <SelectField
          label="Duplicates"
          value={onDuplicate}
          onValue={(v) => setOnDuplicate(v as OnDuplicate)}
          options={DUPLICATES}
          hint="A row whose email or external ID a customer (or an earlier row) already has."
        />
        <div class="field">
          <button type="submit" class="button-primary" {...guard(busy)}>
            Upload
          </button>
        </div>
      </div>
      <p class="muted small" role="status">
        {phase.step === 'creating' ? 'Starting the import…' : phase.step === 'uploading' ? `Sending ${file?.name ?? 'the file'}…` : ''}
      </p>
    </form>
  );
}

function ImportView({ id, onJob }: { id: string; onJob: () => void }) {
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const entry = started.find((s) => s.id === id);

  async function refresh(signal?: AbortSignal): Promise<void> {
    try {
      const j = await api.get('/imports/{id}', { path: { id }, signal });
      setJob(j);
      setLoadError(null);
      remember(j);
      onJob();
    } catch (e) {
      if (signal?.aborted) return;
      setLoadError(e);
    }
  }

  useEffect(() => {
    const ctl = new AbortController();
    void refresh(ctl.signal);
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const status = job?.status;
  const polling = status === 'processing' || (status === 'awaiting_upload' && !!entry?.uploaded);
  usePolling(polling, refresh, POLL_MS);

  const notFound = loadError instanceof ApiError && loadError.status === 404;
  const title = entry ? `Import of ${entry.fileName}` : 'Import';

  return (
    <section class="panel" aria-labelledby="import-heading">
      <div class="page-head">
        <h2 id="import-heading">{title}</h2>
        {job && <JobStatus status={job.status} />}
        <span class="spacer" />
        <Link href="/app/imports" class="small">
          Close
          <span class="sr-only"> {title}</span>
        </Link>
      </div>
      <ErrorMessage error={loadError} />
      {!job && !loadError && <p class="muted">Loading…</p>}
      {job && !notFound && <ImportDetails job={job} entry={entry} onRefresh={() => void refresh()} onError={setError} />}
      <ErrorMessage error={error} />
    </section>
  );
}

function progressOf(job: ImportJob): { value?: number; max?: number } {
  if (job.status === 'succeeded' || job.status === 'failed') return { value: 1, max: 1 };
  if (job.status === 'processing' && job.totalRows) return { value: job.processedRows ?? 0, max: job.totalRows };
  return {};
}

function statusLine(job: ImportJob, uploaded: boolean): string {
  const n = (x: number | undefined) => formatNumber(x ?? 0);
  switch (job.status) {
    case 'awaiting_upload':
      return uploaded ? 'File received; waiting for the import to start…' : 'Waiting for its file.';
    case 'processing':
      return job.totalRows
        ? `Importing… ${n(job.processedRows)} of ${formatNumber(job.totalRows)} rows`
        : `Importing… ${n(job.processedRows)} rows so far`;
    case 'succeeded':
      return `Finished: ${n(job.created)} created, ${n(job.updated)} updated, ${n(job.skipped)} skipped, ${n(job.failed)} failed.`;
    default:
      return `The import failed${job.error ? `: ${job.error}` : '.'}`;
  }
}

function ImportDetails({
  job,
  entry,
  onRefresh,
  onError,
}: {
  job: ImportJob;
  entry: Started | undefined;
  onRefresh: () => void;
  onError: (e: unknown) => void;
}) {
  const done = job.status === 'succeeded' || job.status === 'failed';
  const errors = job.errors ?? [];
  const line = statusLine(job, !!entry?.uploaded);
  return (
    <>
      <progress aria-label="Import progress" {...progressOf(job)} />
      <p role="status" class={job.status === 'failed' ? 'field-error' : 'muted'}>
        {line}
      </p>
      {job.status === 'awaiting_upload' && !entry?.uploaded && (
        <p class="small">
          The upload link expires {formatDateTime(job.uploadExpiresAt)}.{' '}
          <button type="button" class="button-quiet" onClick={onRefresh}>
            Check again
          </button>
        </p>
      )}
      <Figures
        items={[
          ['Rows', formatNumber(job.totalRows ?? null)],
          ['Created', formatNumber(job.created ?? 0)],
          ['Updated', formatNumber(job.updated ?? 0)],
          ['Skipped', formatNumber(job.skipped ?? 0)],
          ['Failed', formatNumber(job.failed ?? 0)],
        ]}
      />
      <p class="muted small">
        Duplicates: {DUPLICATE_LABEL[job.onDuplicate] ?? job.onDuplicate} · started {formatDateTime(job.createdAt)}
        {job.completedAt ? ` · finished ${formatDateTime(job.completedAt)}` : ''}
      </p>
      {(job.ignoredColumns ?? []).length > 0 && (
        <p class="alert alert-info">Ignored columns (not known): {(job.ignoredColumns ?? []).join(', ')}</p>
      )}
      {done && job.reportUrl && (
        <p>
          <DownloadLink
            class="button"
            href={job.reportUrl}
            onError={onError}
            fresh={async () => (await api.get('/imports/{id}', { path: { id: job.id } })).reportUrl}
          >
            Download failed rows
          </DownloadLink>{' '}
          <span class="muted small">A CSV of every failed row with its errors.</span>
        </p>
      )}
      {errors.length > 0 && (
        <>
          <h3 id="import-errors-heading">
            {job.failed && job.failed > errors.length ? `First ${errors.length} errors` : 'Errors'}
          </h3>
          <TableWrap label="Import errors">
            <table aria-labelledby="import-errors-heading">
              <TableHead columns={ERROR_COLUMNS} />
              <tbody>
                {errors.map((e, i) => (
                  <tr key={`${e.row}-${e.field}-${i}`}>
                    <td class="num">{e.row}</td>
                    <td>{e.field || '—'}</td>
                    <td class="cell-wrap">{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
    </>
  );
}

function RecentImports({ current }: { current: string | null }) {
  const rows = [...started];
  if (!rows.length) return null;
  return (
    <section aria-labelledby="recent-imports-heading">
      <h2 id="recent-imports-heading">Imports started here</h2>
      <p class="muted small">The imports started on this page since the console was opened.</p>
      <TableWrap label="Imports started here">
        <table aria-labelledby="recent-imports-heading">
          <TableHead columns={RECENT_COLUMNS} />
          <tbody>
            {rows.map((s) => (
              <tr key={s.id} class={s.id === current ? 'selected' : undefined}>
                <td>
                  <Link
                    href={`/app/imports?import=${encodeURIComponent(s.id)}`}
                    aria-current={s.id === current ? 'true' : undefined}
                  >
                    {s.fileName}
                  </Link>
                </td>
                <td>{formatDateTime(s.startedAt)}</td>
                <td>{DUPLICATE_LABEL[s.onDuplicate]}</td>
                <td>{s.job ? <JobStatus status={s.job.status} /> : '—'}</td>
                <td class="num">{formatNumber(s.job?.created ?? null)}</td>
                <td class="num">{formatNumber(s.job?.updated ?? null)}</td>
                <td class="num">{formatNumber(s.job?.skipped ?? null)}</td>
                <td class="num">{formatNumber(s.job?.failed ?? null)}</td>
              </tr>
            ))}
            {!rows.length && <EmptyRow colSpan={RECENT_COLUMNS.length}>None yet.</EmptyRow>}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
