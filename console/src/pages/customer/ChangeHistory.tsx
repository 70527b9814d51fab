// Change history (GET /consumers/{id}/changes), under the timeline's events: one row per write that
// changed the profile's fields, newest first — when, each field with its value before and after, and
// who made it (an API key, staff in the console, an import, Shopify, a Klaviyo pull, a merge, an
// erasure, Clientele itself). "Field" keeps the writes that changed one field; the field and the page
// are held in the URL (`changeField`, `changes…`).
import { api, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { SelectField } from '../../components/Field';
import { formatDateTime } from '../../components/format';
import { PagedTable, usePagedList } from '../../components/PagedTable';
import { pageParams } from '../../components/Pager';
import type { Column } from '../../components/Table';
import { setQuery, useLocation } from '../../router';
import type { CustomerDetail } from './util';

type ProfileChange = Schemas['ProfileChange'];

export const CHANGES_PAGE = 'changes';
const HEADING = 'change-history-heading';
const COLUMNS: Column[] = ['When', 'Changes', 'By'];

/** The fields the history records, as GET /consumers/{id}/changes?field= names them. */
const FIELDS: readonly [string, string][] = [
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['externalId', 'External ID'],
  ['fullName', 'Full name'],
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['status', 'Status'],
  ['membership', 'Membership'],
  ['verified', 'Verified'],
  ['tags', 'Tags'],
  ['metadata', 'Metadata'],
  ['address', 'Address'],
  ['blocked', 'Blocked'],
  ['consent.email', 'Email consent'],
  ['consent.sms', 'SMS consent'],
  ['suppression.email', 'Email suppression'],
  ['suppression.sms', 'SMS suppression'],
];
const FIELD_LABELS = new Map(FIELDS);
const OPTIONS = [{ value: '', label: 'All fields' }, ...FIELDS.map(([value, label]) => ({ value, label }))];

const ACTORS: Record<ProfileChange['actor']['type'], string> = {
  api_key: 'API key',
  console: 'Console',
  import: 'Import',
  shopify: 'Shopify',
  klaviyo: 'Klaviyo pull',
  merge: 'Merge',
  erasure: 'Erasure',
  system: 'Clientele',
};

/** A value as staff read it: empty as an em dash, lists joined, objects (address, metadata) as JSON. */
function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

export function ChangeHistory({ consumer }: { consumer: CustomerDetail }) {
  const loc = useLocation();
  const field = new URLSearchParams(loc.search).get('changeField') ?? '';
  const { page, list } = usePagedList(
    (query, signal) =>
      api.get('/consumers/{id}/changes', {
        path: { id: consumer.id },
        query: { ...query, field: field || undefined },
        signal,
      }),
    [consumer.id, consumer.version, field],
    CHANGES_PAGE,
  );
  const { after, before } = pageParams(CHANGES_PAGE);
  return (
    <section aria-labelledby={HEADING}>
      <div class="toolbar">
        <h2 class="tab-title" id={HEADING}>
          Change history
        </h2>
        <span class="spacer" />
        <SelectField
          label="Field"
          value={field}
          options={OPTIONS}
          onValue={(v) => setQuery({ changeField: v, [after]: null, [before]: null }, { replace: true })}
        />
      </div>
      <ErrorMessage error={list.error} />
      <PagedTable
        label="Change history"
        labelledBy={HEADING}
        columns={COLUMNS}
        rows={list.data?.data ?? []}
        list={list}
        page={page}
        prefix={CHANGES_PAGE}
        pager="Pages of changes"
        noun="changes"
        empty={field ? `No change of ${FIELD_LABELS.get(field) ?? field} recorded.` : 'No change recorded yet.'}
      >
        {(c) => (
          <tr key={c.version}>
            <td>
              <time dateTime={c.changedAt}>{formatDateTime(c.changedAt)}</time>
            </td>
            <td>
              <ul class="cell-list">
                {c.changes.map((f) => (
                  <li key={f.field}>
                    <strong>{FIELD_LABELS.get(f.field) ?? f.field}</strong>: {shown(f.before)} → {shown(f.after)}
                  </li>
                ))}
              </ul>
            </td>
            <td>
              {ACTORS[c.actor.type] ?? c.actor.type}
              {c.actor.id && <span class="muted small"> {c.actor.id}</span>}
            </td>
          </tr>
        )}
      </PagedTable>
    </section>
  );
}
