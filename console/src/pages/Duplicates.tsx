// Duplicates (/app/duplicates): profiles that are probably one person (GET /duplicates), strongest
// first, paged with the page in the URL: the two customers (links to their pages, with email and
// phone to tell them apart), why (the same phone, the same Gmail mailbox, the same name at the same
// postal code…), how sure (0-100), when suggested; "Not the same person" dismisses a pair
// (POST /duplicates/{id}/dismiss) for good; "Merge…" opens the merge of the two (MergeDialog: which one
// stays, whose values it keeps, a dry run of what moves). Suggestions are kept as customers are created
// and changed.
import { useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client';
import { ErrorMessage, StatusMessage } from '../components/Alert';
import { formatDateTime } from '../components/format';
import { PagedTable, usePagedList } from '../components/PagedTable';
import { ACTIONS, type Column } from '../components/Table';
import { usePageTitle } from '../components/usePageTitle';
import { useAction } from '../components/useAction';
import { Link } from '../router';
import { useWriteGuard } from '../session';
import { MergeDialog } from './customer/MergeDialog';

type Suggestion = Schemas['DuplicateSuggestion'];
type Profile = Schemas['DuplicateProfile'];

const COLUMNS: Column[] = ['Customer', 'Probably also', 'Why', { label: 'Score', num: true }, 'Suggested', ACTIONS];

export const REASONS: Record<Suggestion['reasons'][number], string> = {
  klaviyo_profile: 'One Klaviyo profile',
  email: 'The same mailbox',
  phone: 'The same phone',
  name_postal_code: 'The same name and postal code',
  name_city: 'The same name and city',
  name_email_domain: 'The same name and email domain',
};

/** A profile as the lists name it: its name, else its email, phone or id. */
export const nameOf = (p: Profile) => p.fullName ?? p.email ?? p.phone ?? p.id;

function Person({ profile }: { profile: Profile | undefined }) {
  if (!profile) return <span class="muted">(gone)</span>;
  return (
    <>
      <Link href={`/app/customers/${profile.id}`}>{nameOf(profile)}</Link>
      <br />
      <span class="muted small">{[profile.email, profile.phone].filter(Boolean).join(' · ') || profile.id}</span>
    </>
  );
}

export default function DuplicatesPage() {
  usePageTitle('Duplicates');
  const guard = useWriteGuard();
  const { page, list } = usePagedList((query, signal) => api.get('/duplicates', { query, signal }));
  const { busy, error, act } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [merging, setMerging] = useState<Suggestion | null>(null);
  const rows = list.data?.data ?? [];

  const dismiss = (s: Suggestion) =>
    act(async () => {
      await api.post('/duplicates/{id}/dismiss', undefined, { path: { id: s.id } });
      const [a, b] = s.consumers ?? [];
      setNotice(`${a ? nameOf(a) : 'The first'} and ${b ? nameOf(b) : 'the second'} are kept apart.`);
      list.reload();
    });

  return (
    <section class="page">
      <header class="page-head">
        <h1>Duplicates</h1>
      </header>
      <p class="muted">
        Customers who are probably the same person, strongest first. They are found as customers are created and
        changed: the same phone, the same mailbox (Gmail ignores dots and +tags), the same name at the same postal code,
        city or company email domain, or one Klaviyo profile. A value many customers share (an office phone) suggests
        nothing.
      </p>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={list.error ?? error} />
      <PagedTable
        label="Duplicate suggestions"
        columns={COLUMNS}
        rows={rows}
        list={list}
        page={page}
        noun="suggestions"
        empty="No duplicates suggested."
      >
        {(s) => (
          <tr key={s.id}>
            <td>
              <Person profile={s.consumers?.[0]} />
            </td>
            <td>
              <Person profile={s.consumers?.[1]} />
            </td>
            <td>{s.reasons.map((r) => REASONS[r] ?? r).join('; ')}</td>
            <td class="num">{s.score}</td>
            <td>
              <time dateTime={s.suggestedAt}>{formatDateTime(s.suggestedAt)}</time>
            </td>
            <td>
              <button
                type="button"
                {...guard(busy)}
                aria-label={`Merge ${(s.consumers ?? []).map(nameOf).join(' and ')}`}
                onClick={() => setMerging(s)}
              >
                Merge…
              </button>{' '}
              <button
                type="button"
                {...guard(busy)}
                aria-label={`Not the same person: ${(s.consumers ?? []).map(nameOf).join(' and ')}`}
                onClick={() => void dismiss(s)}
              >
                Not the same person
              </button>
            </td>
          </tr>
        )}
      </PagedTable>
      <MergeDialog
        open={merging !== null}
        ids={merging ? [merging.consumerIds[0], merging.consumerIds[1]] : null}
        onClose={() => setMerging(null)}
        onMerged={(survivorId, mergedName) => {
          const kept = merging?.consumers?.find((p) => p.id === survivorId);
          setMerging(null);
          setNotice(`${mergedName} was merged into ${kept ? nameOf(kept) : 'the customer that stays'}.`);
          list.reload();
        }}
      />
    </section>
  );
}
