// The Integrations page's Shopify part: the connection (shop domain, access token, webhook secret,
// enabled; the secrets are write-only: the API answers them masked), the webhook URL to register with
// "Copy", the webhooks' health, "Sync Customers" (the full sync, polled until it ends; its job id in
// the URL as ?shopifySync=<id>, so a reload keeps following it) and the last full sync.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, idempotencyKey, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { CopyField } from '../../components/CopyField';
import { SwitchField, TextField } from '../../components/Field';
import { formatDateTime, formatNumber, humanize } from '../../components/format';
import { isRunning, JobStatus, StartJobButton, usePolling } from '../../components/jobs';
import { useAsync } from '../../components/useAsync';
import { setQuery, useQuery } from '../../router';
import { useWriteGuard } from '../../session';
import { Figures } from '../admin/common';

type Shopify = Schemas['ShopifyConnection'];
type Sync = Schemas['ShopifySync'];

const FIELDS = ['shopDomain', 'accessToken', 'webhookSecret', 'enabled'] as const;
const POLL_MS = 1000;
const SYNC_PARAM = 'shopifySync';

/** GET /integrations/shopify; null when it is not set up (404). */
async function loadShopify(signal?: AbortSignal): Promise<Shopify | null> {
  try {
    return await api.get('/integrations/shopify', { signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export function ShopifySection() {
  const loaded = useAsync((signal) => loadShopify(signal), []);
  const [latest, setLatest] = useState<Shopify | null>(null);
  const shopify = latest ?? loaded.data ?? null;
  const ready = !loaded.loading && !loaded.error;

  return (
    <>
      <section class="panel" aria-labelledby="shopify-heading">
        <h2 id="shopify-heading">Shopify</h2>
        <p class="muted small">
          Keeps the Customers list in step with a Shopify shop: its customer webhooks create and update customers
          (source Shopify) within seconds, a daily reconciliation catches what a webhook missed, and “Sync Customers”
          brings every Shopify customer in at once.
        </p>
        <ErrorMessage error={loaded.error} />
        {loaded.loading && !shopify ? (
          <p class="muted">Loading…</p>
        ) : (
          ready && <ShopifyForm current={shopify} onSaved={setLatest} />
        )}
      </section>
      {shopify && <WebhookPanel shopify={shopify} />}
      {(shopify || ready) && <SyncPanel shopify={shopify} onChange={setLatest} />}
    </>
  );
}

function ShopifyForm({ current, onSaved }: { current: Shopify | null; onSaved: (s: Shopify) => void }) {
  const guard = useWriteGuard();
  const [shopDomain, setShopDomain] = useState(current?.shopDomain ?? '');
  const [accessToken, setAccessToken] = useState('');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [enabled, setEnabled] = useState(current?.enabled ?? true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A new shop (or none yet) needs both secrets again.
  const newShop = !current || shopDomain.trim().toLowerCase() !== current.shopDomain;

  async function submit(e: Event) {
    e.preventDefault();
    setNotice(null);
    setError(null);
    const bad: Record<string, string> = {};
    if (!shopDomain.trim()) bad.shopDomain = 'Enter the shop’s domain, <name>.myshopify.com.';
    if (newShop && !accessToken.trim()) bad.accessToken = 'Enter the Admin API access token of the shop’s custom app.';
    if (newShop && !webhookSecret.trim()) bad.webhookSecret = 'Enter the custom app’s API secret key.';
    setErrors(bad);
    if (Object.keys(bad).length) return;
    setBusy(true);
    const body: Schemas['ShopifySettings'] = { shopDomain: shopDomain.trim(), enabled };
    if (accessToken.trim()) body.accessToken = accessToken.trim();
    if (webhookSecret.trim()) body.webhookSecret = webhookSecret.trim();
    try {
      const saved = await api.put('/integrations/shopify', body);
      setAccessToken('');
      setWebhookSecret('');
      setShopDomain(saved.shopDomain);
      setNotice(`Saved. Shopify is ${saved.enabled ? 'on' : 'off'} for ${saved.shopDomain}.`);
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const keep = 'It is never shown. Enter a new one to replace it, or leave this empty to keep it.';
  return (
    <form class="settings-form" onSubmit={submit} noValidate>
      <StatusMessage>{notice}</StatusMessage>
      {error !== null && <ErrorMessage error={error} fields={FIELDS} />}
      <p>
        {current ? (
          <>
            Connected to <strong>{current.shopDomain}</strong> · token <code>{current.accessToken}</code> · webhook
            secret <code>{current.webhookSecret}</code> · updated {formatDateTime(current.updatedAt)}
          </>
        ) : (
          'Not connected.'
        )}
      </p>
      <TextField
        label="Shop domain"
        autoComplete="off"
        spellcheck={false}
        placeholder="kefi.myshopify.com"
        value={shopDomain}
        onValue={setShopDomain}
        error={errors.shopDomain}
        hint="The shop’s permanent domain, <name>.myshopify.com."
      />
      <TextField
        label="Access token"
        type="password"
        autoComplete="new-password"
        spellcheck={false}
        value={accessToken}
        onValue={setAccessToken}
        error={errors.accessToken}
        hint={
          current && !newShop
            ? `A token is set (${current.accessToken}). ${keep}`
            : 'The Admin API access token (shpat_…) of the shop’s custom app, with read_customers. Kept in AWS Secrets Manager, never shown again.'
        }
      />
      <TextField
        label="Webhook secret"
        type="password"
        autoComplete="new-password"
        spellcheck={false}
        value={webhookSecret}
        onValue={setWebhookSecret}
        error={errors.webhookSecret}
        hint={
          current && !newShop
            ? `A secret is set (${current.webhookSecret}). ${keep}`
            : 'The custom app’s API secret key: Shopify signs its webhooks with it. Kept in AWS Secrets Manager, never shown again.'
        }
      />
      <SwitchField
        label="Keep customers in sync"
        checked={enabled}
        onChecked={setEnabled}
        error={errors.enabled}
        hint={
          enabled
            ? 'On: webhooks and the daily reconciliation update customers.'
            : 'Off: Shopify’s webhooks are acknowledged and ignored.'
        }
      />
      <div class="actions actions-start">
        <button type="submit" class="button-primary" {...guard(busy)}>
          {busy ? 'Saving…' : current ? 'Update connection' : 'Connect Shopify'}
        </button>
      </div>
    </form>
  );
}

function WebhookPanel({ shopify }: { shopify: Shopify }) {
  const h = shopify.webhooks;
  return (
    <section class="panel" aria-labelledby="shopify-webhooks-heading">
      <h2 id="shopify-webhooks-heading">Shopify webhooks</h2>
      <CopyField
        label="Webhook URL"
        value={shopify.webhookUrl}
        hint={`In Shopify (Settings › Notifications › Webhooks, or the custom app), send the customer topics to this URL, as JSON, API version ${shopify.apiVersion}.`}
      />
      <Figures
        items={[
          ['Received', formatNumber(h?.received ?? 0)],
          ['Failures', formatNumber(h?.failures ?? 0)],
          ['Last received', h?.lastReceivedAt ? formatDateTime(h.lastReceivedAt) : 'Never'],
          ['Last failure', h?.lastFailureAt ? formatDateTime(h.lastFailureAt) : 'None'],
        ]}
      />
      {h?.lastFailure && (
        <p class="small">
          Last failure: <span class="field-error">{h.lastFailure}</span>
        </p>
      )}
    </section>
  );
}

/** A sync's counts as figures. */
function SyncFigures({ sync }: { sync: Sync }) {
  const c = sync.counts;
  return (
    <Figures
      items={[
        ['Started', formatDateTime(sync.startedAt)],
        ['Finished', formatDateTime(sync.finishedAt)],
        ['Processed', formatNumber(sync.progress?.processed ?? 0)],
        ['Created', formatNumber(c?.created ?? 0)],
        ['Updated', formatNumber(c?.updated ?? 0)],
        ['Unchanged', formatNumber(c?.unchanged ?? 0)],
        ['Failed', formatNumber(c?.failed ?? 0)],
      ]}
    />
  );
}

function SyncPanel({ shopify, onChange }: { shopify: Shopify | null; onChange: (s: Shopify) => void }) {
  const q = useQuery();
  const jobId = q.get(SYNC_PARAM);
  const [job, setJob] = useState<Sync | null>(null);
  const [error, setError] = useState<unknown>(null);
  const shown = job && job.id === jobId ? job : null;

  // The job named in the URL (a reload, or a sync started here): load it, then poll while it runs.
  useEffect(() => {
    if (!jobId || (job && job.id === jobId)) return;
    const ctl = new AbortController();
    api
      .get('/integrations/shopify/sync/{jobId}', { path: { jobId }, signal: ctl.signal })
      .then(setJob)
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [jobId]);

  const running = !!shown && isRunning(shown.status);
  usePolling(
    running,
    async (signal) => {
      if (!jobId) return;
      const j = await api.get('/integrations/shopify/sync/{jobId}', { path: { jobId }, signal });
      setJob(j);
    },
    POLL_MS,
  );

  // Once the job has ended: the connection again, for its "Last full sync" (recorded as the job ends).
  const ended = shown && !running ? shown.id : null;
  useEffect(() => {
    if (!ended) return;
    const ctl = new AbortController();
    void (async () => {
      for (let i = 0; i < 5 && !ctl.signal.aborted; i++) {
        const s = await loadShopify(ctl.signal).catch(() => null);
        if (s) onChange(s);
        if (!s || (s.lastFullSync as Sync | null | undefined)?.id === ended) return;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    return () => ctl.abort();
  }, [ended]);

  async function start() {
    setError(null);
    try {
      const j = await api.post(
        '/integrations/shopify/sync',
        { mode: 'auto' },
        { headers: { 'Idempotency-Key': idempotencyKey() } },
      );
      setJob(j);
      setQuery({ [SYNC_PARAM]: j.id }, { replace: true });
    } catch (e) {
      // One sync at a time: the 409 names the running job, which is followed instead.
      const running = e instanceof ApiError && e.code === 'shopify_sync_in_progress' ? e.fieldErrors.jobId : null;
      if (running) setQuery({ [SYNC_PARAM]: running }, { replace: true });
      else setError(e);
    }
  }

  const last = (shopify?.lastFullSync ?? null) as Sync | null;
  const blocked = !shopify ? 'Connect Shopify first.' : !shopify.enabled ? 'Turn “Keep customers in sync” on and update the connection first.' : null;
  const total = shown?.progress?.total ?? null;
  const processed = shown?.progress?.processed ?? 0;
  const progress = !shown
    ? {}
    : !running
      ? { value: 1, max: 1 }
      : total
        ? { value: Math.min(processed, total), max: total }
        : {};

  return (
    <section class="panel" aria-labelledby="shopify-sync-heading">
      <h2 id="shopify-sync-heading">Sync Customers</h2>
      <p class="muted small">
        Brings every Shopify customer in: each becomes a customer, or updates the one linked by its Shopify id, email or
        phone (never a duplicate). A large shop is read through a bulk operation. One sync runs at a time.
      </p>
      <ErrorMessage error={error} />
      {shown && (
        <div class="sync-job">
          <p>
            This sync: <JobStatus status={shown.status} />
            {shown.method && <span class="muted small"> ({humanize(shown.method)})</span>}
          </p>
          <progress aria-label="Sync progress" {...progress} />
          <p role="status" class="muted small">
            {running
              ? `Syncing customers… ${formatNumber(processed)}${total ? ` of ${formatNumber(total)}` : ''} processed`
              : shown.status === 'succeeded'
                ? `Finished: ${formatNumber(shown.counts?.created ?? 0)} created, ${formatNumber(shown.counts?.updated ?? 0)} updated, ${formatNumber(shown.counts?.unchanged ?? 0)} unchanged, ${formatNumber(shown.counts?.failed ?? 0)} failed.`
                : `The sync failed${shown.error ? `: ${shown.error}` : '.'}`}
          </p>
          <SyncFigures sync={shown} />
          {shown.errors && shown.errors.length > 0 && (
            <ul class="small field-error" aria-label="First failed customers">
              {shown.errors.map((x) => (
                <li key={x}>{x}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <StartJobButton label="Sync Customers" id="shopify-sync" running={running} blocked={blocked} onStart={start} />
      <h3 id="shopify-last-sync-heading">Last full sync</h3>
      {last ? (
        <>
          <p>
            <JobStatus status={last.status} />{' '}
            <span class="muted small">
              {last.trigger === 'schedule' ? 'daily reconciliation' : 'on request'}
              {last.error ? ` · ${last.error}` : ''}
            </span>
          </p>
          <SyncFigures sync={last} />
        </>
      ) : (
        <p>No full sync yet.</p>
      )}
    </section>
  );
}
