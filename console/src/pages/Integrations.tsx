// Integrations (/app/integrations): the Klaviyo sync. The private API key is write-only (the API
// answers only its masked hint); "List", "Lists to import from" and the "Enabled" switch; the latest
// resync and "Resync"; the latest pull from the import lists and "Pull now". Then Shopify
// (integrations/Shopify.tsx): the connection, its webhook URL and health, and "Sync Customers".
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, idempotencyKey, type Schemas } from '../api/client';
import { ErrorMessage, StatusMessage } from '../components/Alert';
import { SwitchField, TextField } from '../components/Field';
import { formatDateTime, formatNumber } from '../components/format';
import { isRunning, JobStatus, StartJobButton, usePolling } from '../components/jobs';
import { useAsync } from '../components/useAsync';
import { usePageTitle } from '../components/usePageTitle';
import { useWriteGuard } from '../session';
import { Figures } from './admin/common';
import { ShopifySection } from './integrations/Shopify';

type Klaviyo = Schemas['KlaviyoIntegration'];
type Resync = Schemas['KlaviyoResync'];

const FIELDS = ['apiKey', 'listId', 'importListIds', 'enabled'] as const;
const POLL_MS = 2000;

/** List ids typed into one field: split on commas, spaces or new lines, blanks and repeats dropped. */
function splitIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** GET /integrations/klaviyo; null when it is not set up (404). */
async function loadKlaviyo(signal?: AbortSignal): Promise<Klaviyo | null> {
  try {
    return await api.get('/integrations/klaviyo', { signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export default function IntegrationsPage() {
  usePageTitle('Integrations');
  const loaded = useAsync((signal) => loadKlaviyo(signal), []);
  // The settings as last saved or polled here, else as loaded.
  const [latest, setKlaviyo] = useState<Klaviyo | null>(null);
  const klaviyo = latest ?? loaded.data ?? null;

  return (
    <section class="page">
      <header class="page-head">
        <h1>Integrations</h1>
      </header>
      <ErrorMessage error={loaded.error} />
      <section class="panel" aria-labelledby="klaviyo-heading">
        <h2 id="klaviyo-heading">Klaviyo</h2>
        <p class="muted small">
          While the sync is on, every customer created or changed is sent to Klaviyo within seconds (email, phone,
          external ID, names, location, status, tags, metadata, loyalty points and tier). Each customer shows its sync
          status.
        </p>
        {loaded.loading && !klaviyo ? (
          <p class="muted">Loading…</p>
        ) : (
          !loaded.error && <KlaviyoForm current={klaviyo} onSaved={setKlaviyo} />
        )}
      </section>
      {(klaviyo || (!loaded.loading && !loaded.error)) && <ResyncPanel klaviyo={klaviyo} onChange={setKlaviyo} />}
      {(klaviyo || (!loaded.loading && !loaded.error)) && <PullPanel klaviyo={klaviyo} onChange={setKlaviyo} />}
      <ShopifySection />
    </section>
  );
}

function KlaviyoForm({ current, onSaved }: { current: Klaviyo | null; onSaved: (k: Klaviyo) => void }) {
  const guard = useWriteGuard();
  const [apiKey, setApiKey] = useState('');
  const [listId, setListId] = useState(current?.listId ?? '');
  const [importLists, setImportLists] = useState((current?.importListIds ?? []).join(', '));
  const [enabled, setEnabled] = useState(current?.enabled ?? false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setNotice(null);
    setError(null);
    if (!current && !apiKey.trim()) {
      setErrors({ apiKey: 'Enter the Klaviyo private API key to set up the sync.' });
      return;
    }
    setErrors({});
    setBusy(true);
    const body: Schemas['KlaviyoSettings'] = {
      enabled,
      listId: listId.trim() || null,
      importListIds: splitIds(importLists),
    };
    if (apiKey.trim()) body.apiKey = apiKey.trim();
    try {
      const saved = await api.put('/integrations/klaviyo', body);
      setApiKey('');
      setImportLists((saved.importListIds ?? []).join(', '));
      setNotice(`Saved. The sync is ${saved.enabled ? 'on' : 'off'}.`);
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="settings-form" onSubmit={submit} noValidate>
      <StatusMessage>{notice}</StatusMessage>
      {error !== null && <ErrorMessage error={error} fields={FIELDS} />}
      <p>
        {current ? (
          <>
            Key set: <code>{current.apiKey}</code> · updated {formatDateTime(current.updatedAt)}
          </>
        ) : (
          'Not set up: no key yet.'
        )}
      </p>
      <TextField
        label="Klaviyo private API key"
        type="password"
        autoComplete="new-password"
        spellcheck={false}
        value={apiKey}
        onValue={setApiKey}
        error={errors.apiKey}
        hint={
          current
            ? `A key is set (${current.apiKey}); it is never shown. Enter a new key to replace it, or leave this empty to keep it.`
            : 'A private key from Klaviyo (Settings › API keys), with profile and list write access. It is kept in AWS Secrets Manager and never shown again.'
        }
      />
      <TextField
        label="List"
        autoComplete="off"
        spellcheck={false}
        value={listId}
        onValue={setListId}
        error={errors.listId}
        hint="Optional: the ID of a Klaviyo list that synced profiles join. Empty: no list."
      />
      <TextField
        label="Lists to import from"
        autoComplete="off"
        spellcheck={false}
        value={importLists}
        onValue={setImportLists}
        error={errors.importListIds ?? Object.entries(errors).find(([k]) => k.startsWith('importListIds.'))?.[1]}
        hint="Optional: the IDs of up to 10 Klaviyo lists, separated by commas. Their profiles come in as customers (source Klaviyo) every hour and on “Pull now”. Empty: nothing is pulled."
      />
      <SwitchField
        label="Enabled"
        checked={enabled}
        onChecked={setEnabled}
        error={errors.enabled}
        hint={enabled ? 'On: changes are sent to Klaviyo.' : 'Off: nothing is sent to Klaviyo.'}
      />
      <div class="actions actions-start">
        <button type="submit" class="button-primary" {...guard(busy)}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

/** The integration read again (a failed read changes nothing), handed to `onChange`. */
async function reloadKlaviyo(onChange: (k: Klaviyo) => void, signal?: AbortSignal): Promise<void> {
  const k = await loadKlaviyo(signal).catch(() => null);
  if (k) onChange(k);
}

/** While a resync or a pull runs: the integration, read again every POLL_MS. */
function useKlaviyoPolling(running: boolean, onChange: (k: Klaviyo) => void): void {
  usePolling(running, (signal) => reloadKlaviyo(onChange, signal), POLL_MS);
}

function ResyncPanel({ klaviyo, onChange }: { klaviyo: Klaviyo | null; onChange: (k: Klaviyo) => void }) {
  const [resync, setResync] = useState<Resync | null>(klaviyo?.resync ?? null);
  const [error, setError] = useState<unknown>(null);
  const stats = useAsync((signal) => api.get('/consumers/stats', { query: { periods: 1 }, signal }), []);

  useEffect(() => {
    setResync(klaviyo?.resync ?? null);
  }, [klaviyo]);

  const running = !!resync && isRunning(resync.status);
  useKlaviyoPolling(running, onChange);

  async function start() {
    setError(null);
    try {
      const r = await api.post('/integrations/klaviyo/resync', undefined, {
        headers: { 'Idempotency-Key': idempotencyKey() },
      });
      setResync(r);
    } catch (e) {
      setError(e);
      await reloadKlaviyo(onChange);
    }
  }

  const blocked = !klaviyo ? 'Set up Klaviyo first.' : !klaviyo.enabled ? 'Turn the sync on and save first.' : null;
  const total = stats.data?.total ?? null;
  const done = !!resync && (resync.status === 'succeeded' || resync.status === 'failed');
  const progress = done
    ? { value: 1, max: 1 }
    : resync && resync.status === 'running' && total
      ? { value: Math.min(resync.profiles ?? 0, total), max: total }
      : {};

  return (
    <section class="panel" aria-labelledby="resync-heading">
      <h2 id="resync-heading">Resync</h2>
      <p class="muted small">
        Sends every customer of this environment to Klaviyo again, through Klaviyo’s bulk profile import (up to 10,000
        profiles a job). One resync runs at a time.
      </p>
      <ErrorMessage error={error} />
      {resync ? (
        <>
          <p>
            Latest resync: <JobStatus status={resync.status} />
          </p>
          <progress aria-label="Resync progress" {...progress} />
          <p role="status" class="muted small">
            {resync.status === 'pending'
              ? 'Waiting to start…'
              : resync.status === 'running'
                ? `Sending profiles… ${formatNumber(resync.profiles ?? 0)}${total ? ` of about ${formatNumber(total)}` : ''}`
                : resync.status === 'succeeded'
                  ? `Finished: ${formatNumber(resync.profiles ?? 0)} profiles sent${resync.failed ? `, ${formatNumber(resync.failed)} failed` : ''}.`
                  : `The resync failed${resync.error ? `: ${resync.error}` : '.'}`}
          </p>
          <Figures
            items={[
              ['Requested', formatDateTime(resync.requestedAt)],
              ['Completed', formatDateTime(resync.completedAt)],
              ['Profiles sent', formatNumber(resync.profiles ?? 0)],
              ['Failed', formatNumber(resync.failed ?? 0)],
              ['Klaviyo jobs', formatNumber(resync.jobs?.length ?? 0)],
            ]}
          />
        </>
      ) : (
        <p role="status">No resync yet.</p>
      )}
      <StartJobButton label="Resync" id="resync" running={running} blocked={blocked} onStart={start} />
    </section>
  );
}

type Pull = Schemas['KlaviyoPull'];

/** The import lists' pull: "Pull now" and the latest pull, polled while it runs. */
function PullPanel({ klaviyo, onChange }: { klaviyo: Klaviyo | null; onChange: (k: Klaviyo) => void }) {
  const [started, setStarted] = useState<Pull | null>(null);
  const [error, setError] = useState<unknown>(null);
  const saved = klaviyo?.lastPull ?? null;
  // The pull started here until GET shows it (or a newer one).
  const pull = started && (!saved || saved.requestedAt < started.requestedAt) ? started : saved;
  const running = !!pull && isRunning(pull.status);

  useKlaviyoPolling(running, onChange);

  async function start() {
    setError(null);
    try {
      setStarted(
        await api.post('/integrations/klaviyo/pull', undefined, { headers: { 'Idempotency-Key': idempotencyKey() } }),
      );
    } catch (e) {
      setError(e);
    }
    await reloadKlaviyo(onChange);
  }

  const lists = klaviyo?.importListIds ?? [];
  const blocked = !klaviyo
    ? 'Set up Klaviyo first.'
    : !lists.length
      ? 'Add lists to import from and save first.'
      : null;

  return (
    <section class="panel" aria-labelledby="pull-heading">
      <h2 id="pull-heading">Pull from lists</h2>
      <p class="muted small">
        Every profile of the lists to import from becomes a customer (source Klaviyo), or updates the one with the same
        Klaviyo profile, email or phone; a pull never clears a field. It runs every hour. One pull at a time.
        {lists.length > 0 && ` Lists: ${lists.join(', ')}.`}
      </p>
      <ErrorMessage error={error} />
      {pull ? (
        <>
          <p>
            Last pull: <JobStatus status={pull.status} />{' '}
            <span class="muted small">({pull.trigger === 'schedule' ? 'hourly' : 'on request'})</span>
          </p>
          <p role="status" class="muted small">
            {pull.status === 'running'
              ? 'Pulling profiles…'
              : pull.status === 'succeeded'
                ? `Finished ${formatDateTime(pull.completedAt)}.`
                : `The pull failed${pull.error ? `: ${pull.error}` : '.'}`}
          </p>
          <Figures
            items={[
              ['Started', formatDateTime(pull.requestedAt)],
              ['Completed', formatDateTime(pull.completedAt)],
              ['Created', formatNumber(pull.created ?? 0)],
              ['Updated', formatNumber(pull.updated ?? 0)],
              ['Unchanged', formatNumber(pull.unchanged ?? 0)],
              ['Failed', formatNumber(pull.failed ?? 0)],
            ]}
          />
        </>
      ) : (
        <p role="status">No pull yet.</p>
      )}
      <StartJobButton label="Pull now" id="pull" running={running} blocked={blocked} onStart={start} />
    </section>
  );
}
