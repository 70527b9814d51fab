// Background jobs (exports, imports, resyncs): status badges, polling, and an export job followed
// to its file (the Customers "Export" and the customer's "Export transaction log" dialogs).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type ExportJob } from '../api/client';
import { useSession, useWriteGuard } from '../session';
import { ErrorMessage } from './Alert';
import { Dialog } from './Dialog';
import { formatNumber, humanize } from './format';

const BADGES: Record<string, string> = {
  succeeded: 'badge-ok',
  failed: 'badge-bad',
  running: 'badge-info',
  processing: 'badge-info',
  pending: 'badge-warn',
  awaiting_upload: 'badge-warn',
};

/** A job's status as a badge ("Succeeded", "Running"…). */
export function JobStatus({ status }: { status: string }) {
  return <span class={`badge ${BADGES[status] ?? 'badge-off'}`}>{humanize(status)}</span>;
}

/** Whether a job is still moving. */
export function isRunning(status: string): boolean {
  return status === 'pending' || status === 'running' || status === 'processing' || status === 'awaiting_upload';
}

/**
 * Calls `tick` every `ms` while `active`, stopping on unmount. A tick is never started while the
 * previous one runs; a tick that fails does not stop the polling (its errors are its own business).
 */
export function usePolling(active: boolean, tick: (signal: AbortSignal) => Promise<unknown>, ms = 1000): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const ctl = new AbortController();
    let timer: number | undefined;
    const run = () => {
      timer = window.setTimeout(() => {
        tickRef
          .current(ctl.signal)
          .catch(() => undefined)
          .finally(() => {
            if (!ctl.signal.aborted) run();
          });
      }, ms);
    };
    run();
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
  }, [active, ms]);
}

/**
 * The button that starts a panel's background job ("Resync", "Pull now", "Sync Customers"): "Starting…"
 * while `onStart` runs, disabled while a job runs or while `blocked` says why it cannot start (shown
 * beside it, and named by the button), and disabled for a read-only key with the session's reason.
 */
export function StartJobButton({
  label,
  id,
  running,
  blocked,
  onStart,
}: {
  label: string;
  id: string;
  running: boolean;
  blocked: string | null;
  onStart: () => Promise<void>;
}) {
  const guard = useWriteGuard();
  const { canWrite } = useSession();
  const [busy, setBusy] = useState(false);
  const g = guard(busy || running || blocked !== null);
  const describedBy = canWrite ? (blocked ? `${id}-blocked` : undefined) : g['aria-describedby'];

  async function start() {
    setBusy(true);
    try {
      await onStart();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="actions actions-start">
      <button type="button" class="button-primary" {...g} aria-describedby={describedBy} onClick={() => void start()}>
        {busy ? 'Starting…' : label}
      </button>
      {blocked && canWrite && (
        <span id={`${id}-blocked`} class="muted small">
          {blocked}
        </span>
      )}
    </div>
  );
}

const EXPORT_POLL_MS = 1000;

/**
 * An export job as it is now: `started` (the POST's answer), then GET /exports/{id} every second
 * while it runs. A failed poll shows its error and is tried again at the next tick (a job that no
 * longer exists, 404, is not asked for again).
 */
export function useExportJob(started: ExportJob | null): { job: ExportJob | null; error: unknown } {
  const [latest, setLatest] = useState<ExportJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [gone, setGone] = useState(false);
  const job = latest && started && latest.id === started.id ? latest : started;

  usePolling(
    !!job && isRunning(job.status) && !gone,
    async (signal) => {
      if (!job) return;
      try {
        const j = await api.get('/exports/{id}', { path: { id: job.id }, signal });
        setLatest(j);
        setError(null);
      } catch (e) {
        if (signal.aborted) return;
        setError(e);
        if (e instanceof ApiError && e.status === 404) setGone(true);
      }
    },
    EXPORT_POLL_MS,
  );
  return { job, error };
}

/** An export job's progress, its result (Download) or failure, and the dialog's "Close". */
export function ExportJobResult({
  job,
  error,
  ready,
  onClose,
}: {
  job: ExportJob;
  error: unknown;
  /** The sentence for a finished job, e.g. "The export is ready: 12 rows (CSV)." */
  ready: (job: ExportJob) => string;
  onClose: () => void;
}) {
  const running = isRunning(job.status);
  const known = job.rowCount ?? null;
  return (
    <div>
      <ErrorMessage error={error} />
      {running && (
        <>
          <progress aria-label="Export progress" value={known ? job.processedRows : undefined} max={known ?? undefined} />
          <p class="muted small" role="status">
            {job.status === 'pending' ? 'Waiting to start…' : `Writing rows… ${formatNumber(job.processedRows ?? 0)} so far`}
            {job.error ? ` (retrying: ${job.error})` : ''}
          </p>
        </>
      )}
      {job.status === 'succeeded' && (
        <div role="status">
          <progress aria-label="Export progress" value={1} max={1} />
          <p>{ready(job)}</p>
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

/** An export's dialog: its form (`form(onStarted)`) until the job starts, then the job followed to its file. */
export function ExportJobDialog({
  open,
  title,
  onClose,
  ready,
  form,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  ready: (job: ExportJob) => string;
  form: (onStarted: (job: ExportJob) => void) => ComponentChildren;
}) {
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      {open && <ExportJobFlow onClose={onClose} ready={ready} form={form} />}
    </Dialog>
  );
}

function ExportJobFlow({
  onClose,
  ready,
  form,
}: {
  onClose: () => void;
  ready: (job: ExportJob) => string;
  form: (onStarted: (job: ExportJob) => void) => ComponentChildren;
}) {
  const [started, setStarted] = useState<ExportJob | null>(null);
  const { job, error } = useExportJob(started);
  return job ? <ExportJobResult job={job} error={error} onClose={onClose} ready={ready} /> : <>{form(setStarted)}</>;
}
