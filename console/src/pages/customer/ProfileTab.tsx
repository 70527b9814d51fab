// Profile: names, contact, address (seed 002), tags, metadata, marketing consent; "Edit" turns them into labelled
// inputs, "Save" sends the changed fields with PUT /consumers/{id} and If-Match (the version read),
// so a change made meanwhile by someone else is a 409, not overwritten.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { Field, SelectField, TextField } from '../../components/Field';
import { FormActions } from '../../components/Form';
import { formatDateTime, humanize } from '../../components/format';
import { useWriteGuard } from '../../session';
import { ConsentSection } from './Consent';
import { PossibleDuplicates } from './PossibleDuplicates';
import { Fact } from './Fact';
import { fieldError, namedFields, type CustomerDetail } from './util';

interface Form {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  street: string;
  city: string;
  tags: string;
  metadata: string;
  status: string;
  membership: string;
  verified: boolean;
}

/** What the form shows beside a field (prefixes: "tags" covers "tags.0"); other errors are listed. */
const FIELDS = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'address.street',
  'address.city',
  'tags',
  'metadata',
  'status',
  'membership',
  'verified',
];

function formOf(c: CustomerDetail): Form {
  return {
    firstName: c.firstName ?? '',
    lastName: c.lastName ?? '',
    email: c.email ?? '',
    phone: c.phone ?? '',
    street: c.address?.street ?? '',
    city: c.address?.city ?? '',
    tags: c.tags.join(', '),
    metadata: c.metadata && Object.keys(c.metadata).length ? JSON.stringify(c.metadata, null, 2) : '',
    status: c.status,
    membership: c.membership,
    verified: c.verified,
  };
}

const blankToNull = (s: string) => (s.trim() === '' ? null : s.trim());
const tagsOf = (s: string) => [...new Set(s.split(',').map((t) => t.trim()).filter(Boolean))];

/** The body of the PUT: only what changed (null clears); or a message for a value the form rejects. */
function changes(c: CustomerDetail, f: Form): { body: Schemas['ConsumerUpdate']; invalid: Record<string, string> } {
  const body: Schemas['ConsumerUpdate'] = {};
  const invalid: Record<string, string> = {};
  for (const k of ['firstName', 'lastName', 'email', 'phone'] as const) {
    const v = blankToNull(f[k]);
    if (v !== (c[k] ?? null)) body[k] = v;
  }
  const street = blankToNull(f.street);
  const city = blankToNull(f.city);
  if (street !== (c.address?.street ?? null) || city !== (c.address?.city ?? null)) {
    const address = { ...(c.address ?? {}), street, city };
    body.address = Object.values(address).some((v) => v !== null && v !== undefined && v !== '') ? address : null;
  }
  const tags = tagsOf(f.tags);
  if (tags.join('\n') !== c.tags.join('\n')) body.tags = tags;
  if (f.metadata.trim() === '') {
    if (c.metadata && Object.keys(c.metadata).length) body.metadata = null;
  } else {
    try {
      const m: unknown = JSON.parse(f.metadata);
      if (!m || typeof m !== 'object' || Array.isArray(m)) {
        invalid.metadata = 'Metadata must be a JSON object, like {"plan": "gold"}';
      }
      else if (JSON.stringify(m) !== JSON.stringify(c.metadata ?? {})) body.metadata = m as Record<string, unknown>;
    } catch {
      invalid.metadata = 'Metadata is not valid JSON';
    }
  }
  if (f.status !== c.status) body.status = f.status as Schemas['Status'];
  if (f.membership !== c.membership) body.membership = f.membership as Schemas['Membership'];
  if (f.verified !== c.verified) body.verified = f.verified;
  return { body, invalid };
}

export function ProfileTab({
  consumer,
  onSaved,
  onReload,
}: {
  consumer: CustomerDetail;
  onSaved: (c: CustomerDetail) => void;
  onReload: () => void;
}) {
  const guard = useWriteGuard();
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState<Form>(() => formOf(consumer));
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const editRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  useEffect(() => {
    if (editing) formRef.current?.querySelector<HTMLInputElement>('input')?.focus();
    else if (wasEditing.current) editRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  function set<K extends keyof Form>(k: K, v: Form[K]) {
    setForm((f) => ({ ...f, [k]: v }));
  }

  function startEdit() {
    setForm(formOf(consumer));
    setError(null);
    setInvalid({});
    setNotice(null);
    setEditing(true);
  }

  function cancel() {
    setEditing(false);
    setError(null);
    setInvalid({});
  }

  async function save(e: Event) {
    e.preventDefault();
    const { body, invalid: bad } = changes(consumer, form);
    setInvalid(bad);
    setError(null);
    if (Object.keys(bad).length) return;
    if (!Object.keys(body).length) {
      setEditing(false);
      setNotice('Nothing changed.');
      return;
    }
    setBusy(true);
    try {
      const saved = await api.put('/consumers/{id}', body, {
        path: { id: consumer.id },
        headers: { 'If-Match': `"${consumer.version}"` },
      });
      onSaved(saved);
      setEditing(false);
      setNotice('Profile saved.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const err = (...names: string[]) => invalid[names[0] ?? ''] ?? fieldError(error, ...names);
  // The address as a whole (not one of its fields) is shown beside Street.
  const addressError = error instanceof ApiError ? (error.fieldErrors.address ?? null) : null;
  /** Value, change handler and error of a text field (`errors`: the API's names for it, if not its own). */
  const text = (k: 'firstName' | 'lastName' | 'email' | 'phone' | 'street' | 'city' | 'tags', ...errors: string[]) => ({
    value: form[k],
    onValue: (v: string) => set(k, v),
    error:
      [err(...(errors.length ? errors : [k])), k === 'street' ? addressError : null].filter(Boolean).join('; ') || null,
    autoComplete: 'off',
  });
  const conflict = error instanceof ApiError && error.status === 409;

  if (editing) {
    return (
      <form ref={formRef} class="profile-form" onSubmit={save} noValidate aria-label="Edit profile">
        <ErrorMessage error={error} fields={[...namedFields(error, ...FIELDS), 'address']}>
          {conflict && (
            <p>
              <button
                type="button"
                onClick={() => {
                  cancel();
                  onReload();
                }}
              >
                Load the latest version
              </button>
            </p>
          )}
        </ErrorMessage>
        <div class="form-grid">
          <TextField label="First name" {...text('firstName')} />
          <TextField label="Last name" {...text('lastName')} />
          <TextField label="Email" type="email" {...text('email')} />
          <TextField label="Phone" type="tel" hint="With the country code, e.g. +44 20 7946 0958" {...text('phone')} />
          <TextField label="Street" {...text('street', 'address.street')} />
          <TextField label="City" {...text('city', 'address.city')} />
          <SelectField
            label="Status"
            value={form.status}
            onValue={(v) => set('status', v)}
            error={err('status')}
            options={[
              { value: 'active', label: 'Active' },
              { value: 'inactive', label: 'Inactive' },
            ]}
          />
          <SelectField
            label="Membership"
            value={form.membership}
            onValue={(v) => set('membership', v)}
            error={err('membership')}
            options={[
              { value: 'member', label: 'Member' },
              { value: 'guest', label: 'Guest' },
            ]}
          />
        </div>
        <label class="check">
          <input type="checkbox" checked={form.verified} onChange={(e) => set('verified', e.currentTarget.checked)} />
          Verified
        </label>
        <TextField label="Tags" hint="Separated by commas" {...text('tags')} />
        <Field label="Metadata" error={err('metadata')} hint='A JSON object, e.g. {"plan": "gold"}; empty clears it'>
          {(p) => (
            <textarea
              {...p}
              rows={5}
              spellcheck={false}
              value={form.metadata}
              onInput={(e) => set('metadata', e.currentTarget.value)}
            />
          )}
        </Field>
        <FormActions onCancel={cancel} cancelDisabled={busy} disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </FormActions>
      </form>
    );
  }

  const c = consumer;
  const meta = Object.entries(c.metadata ?? {});
  return (
    <div class="profile">
      <StatusMessage>{notice}</StatusMessage>
      <div class="toolbar">
        <h2 class="tab-title">Profile</h2>
        <span class="spacer" />
        <button ref={editRef} type="button" onClick={startEdit} {...guard()}>
          Edit
        </button>
      </div>
      <div class="profile-list">
        <Item label="First name" value={c.firstName} />
        <Item label="Last name" value={c.lastName} />
        {c.fullName && c.fullName !== [c.firstName, c.lastName].filter(Boolean).join(' ') && (
          <Item label="Full name" value={c.fullName} />
        )}
        <Item label="Email" value={c.email} />
        <Item label="Phone" value={c.phone} />
        <Item label="Street" value={c.address?.street} />
        <Item label="City" value={c.address?.city} />
        {c.address?.region && <Item label="Region" value={c.address.region} />}
        {c.address?.postalCode && <Item label="Postal code" value={c.address.postalCode} />}
        {c.address?.country && <Item label="Country" value={c.address.country} />}
        <Fact label="Tags">
            {c.tags.length ? (
              <ul class="tag-list">
                {c.tags.map((t) => (
                  <li key={t} class="badge badge-off">
                    {t}
                  </li>
                ))}
              </ul>
            ) : (
              <span class="muted">None</span>
            )}
        </Fact>
        <Item label="External ID" value={c.externalId} />
        <Item label="Source" value={c.source === 'api' ? 'API' : humanize(c.source)} />
        <Item label="Verified on" value={c.verifiedAt ? formatDateTime(c.verifiedAt) : null} />
        <Item label="Last activity" value={c.lastActivityAt ? formatDateTime(c.lastActivityAt) : null} />
        <Item label="Updated" value={formatDateTime(c.updatedAt)} />
        <Item label="Customer ID" value={c.id} />
      </div>
      <h3>Metadata</h3>
      {meta.length ? (
        <table class="meta-table">
          <caption class="sr-only">Metadata</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {meta.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>
                  <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No metadata.</p>
      )}
      <ConsentSection consumer={c} onChanged={(changed) => onSaved({ ...c, ...changed })} onNotice={setNotice} />
      <PossibleDuplicates
        consumer={c}
        onNotice={setNotice}
        onMerged={() =>
          void api.get('/consumers/{id}', { path: { id: c.id } }).then((fresh) => onSaved({ ...c, ...fresh }))
        }
      />
    </div>
  );
}

function Item({ label, value }: { label: string; value: string | null | undefined }) {
  return <Fact label={label}>{value ? value : <span class="muted">—</span>}</Fact>;
}
