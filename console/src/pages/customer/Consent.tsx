// Marketing consent on the Profile tab (issue 18): each channel's state, when and how it was given and
// the wording agreed to; "Change consent" records a change (PUT /consumers/{id}/consent through the
// console's route: its method is "console" unless the staff member says it came on a form or at a
// checkout). Every change is kept in the consent log; the timeline shows it too. A channel's address
// suppressed (a hard bounce, a spam complaint: PUT /consumers/{id}/suppression) shows beside its
// consent, which it leaves as it is.
import { useState } from 'preact/hooks';
import { api, type Consumer, type Schemas } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { SelectField, TextField } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';
import { formatDateTime, humanize } from '../../components/format';
import { useWriteGuard } from '../../session';

type Channel = 'email' | 'sms';
type ChannelConsent = Schemas['ChannelConsent'];

const CHANNELS: { value: Channel; label: string }[] = [
  { value: 'email', label: 'Email' },
  { value: 'sms', label: 'SMS' },
];
const STATES = [
  { value: 'subscribed', label: 'Subscribed' },
  { value: 'unsubscribed', label: 'Unsubscribed' },
  { value: 'never_subscribed', label: 'Never subscribed' },
];
const FIELDS = ['channel', 'state', 'method', 'wordingVersion'] as const;
// How the person gave it, as staff can say it: the console's own, else a form or a checkout.
const METHODS = [
  { value: '', label: 'Recorded here (console)' },
  { value: 'form', label: 'On a form' },
  { value: 'checkout', label: 'At a checkout' },
];

/** How a consent was given, as the profile and the timeline say it. */
export function consentMethod(method: string | null | undefined): string {
  if (!method) return '—';
  return method === 'api' ? 'API' : humanize(method);
}

/** `onNotice`: what to say in the tab's one status region once a change is saved (or null to clear it). */
export function ConsentSection({
  consumer,
  onChanged,
  onNotice,
}: {
  consumer: Consumer;
  onChanged: (c: Consumer) => void;
  onNotice: (text: string | null) => void;
}) {
  const guard = useWriteGuard();
  const [open, setOpen] = useState(false);

  return (
    <section aria-labelledby="consent-heading">
      <div class="toolbar">
        <h3 id="consent-heading">Marketing consent</h3>
        <span class="spacer" />
        <button
          type="button"
          {...guard()}
          onClick={() => {
            onNotice(null);
            setOpen(true);
          }}
        >
          Change consent
        </button>
      </div>
      <table class="meta-table">
        <caption class="sr-only">Marketing consent</caption>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">State</th>
            <th scope="col">Given</th>
            <th scope="col">How</th>
            <th scope="col">Wording</th>
            <th scope="col">Suppressed</th>
          </tr>
        </thead>
        <tbody>
          {CHANNELS.map(({ value, label }) => {
            const c: ChannelConsent = consumer.consent?.[value] ?? { state: 'never_subscribed' };
            const suppressed = consumer.suppressions?.[value] ?? null;
            return (
              <tr key={value}>
                <th scope="row">{label}</th>
                <td>
                  <span class={`badge ${c.state === 'subscribed' ? 'badge-ok' : 'badge-off'}`}>{humanize(c.state)}</span>
                </td>
                <td>{c.consentedAt ? formatDateTime(c.consentedAt) : <span class="muted">—</span>}</td>
                <td>{consentMethod(c.method)}</td>
                <td>{c.wordingVersion ?? <span class="muted">—</span>}</td>
                <td>
                  {suppressed ? (
                    <>
                      <span class="badge badge-warn">{humanize(suppressed.reason)}</span>{' '}
                      <span class="muted small">since {formatDateTime(suppressed.suppressedAt)}</span>
                    </>
                  ) : (
                    <span class="muted">No</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Dialog open={open} title="Change consent" onClose={() => setOpen(false)}>
        {open && (
          <ConsentForm
            consumer={consumer}
            onCancel={() => setOpen(false)}
            onSaved={(c, channel) => {
              setOpen(false);
              onChanged(c);
              onNotice(`${channel === 'sms' ? 'SMS' : 'Email'} consent saved.`);
            }}
          />
        )}
      </Dialog>
    </section>
  );
}

function ConsentForm({
  consumer,
  onCancel,
  onSaved,
}: {
  consumer: Consumer;
  onCancel: () => void;
  onSaved: (c: Consumer, channel: Channel) => void;
}) {
  const form = useFormSubmit();
  const [channel, setChannel] = useState<Channel>('email');
  const [state, setState] = useState<string>(
    consumer.consent?.email?.state === 'subscribed' ? 'unsubscribed' : 'subscribed',
  );
  const [method, setMethod] = useState('');
  const [wording, setWording] = useState('');

  async function submit(e: Event) {
    e.preventDefault();
    await form.run(async () => {
      const body: Schemas['ConsentUpdate'] = {
        channel,
        state: state as Schemas['ConsentUpdate']['state'],
        ...(method ? { method: method as Schemas['ConsentUpdate']['method'] } : {}),
        ...(wording.trim() ? { wordingVersion: wording.trim() } : {}),
      };
      onSaved(await api.put('/consumers/{id}/consent', body, { path: { id: consumer.id } }), channel);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <p>The change is kept in the customer's consent log with your name, and shows on the timeline.</p>
      <FormError error={form.error} fields={FIELDS} errors={form.errors} />
      <SelectField
        label="Channel"
        value={channel}
        onValue={(v) => setChannel(v as Channel)}
        options={CHANNELS}
        error={form.errors.channel}
      />
      <SelectField label="Consent" value={state} onValue={setState} options={STATES} error={form.errors.state} />
      <SelectField
        label="How it was given"
        value={method}
        onValue={setMethod}
        options={METHODS}
        error={form.errors.method}
      />
      <TextField
        label="Wording version"
        value={wording}
        onValue={setWording}
        maxLength={100}
        autoComplete="off"
        hint="Optional: the form or wording the customer agreed to."
        error={form.errors.wordingVersion}
      />
      <FormActions onCancel={onCancel} disabled={form.busy}>
        {form.busy ? 'Saving…' : 'Save consent'}
      </FormActions>
    </form>
  );
}
