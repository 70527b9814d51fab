// Audiences: the consumer's audiences (GET /consumers/{id}?include=audiences), "Join" one
// (POST /audiences/{id}/members) and "Leave <name>" (DELETE /audiences/{id}/members).
import { useState } from 'preact/hooks';
import { api, type Audience } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { SelectField } from '../../components/Field';
import { formatNumber } from '../../components/format';
import { ACTIONS, EmptyRow, TableHead, type Column } from '../../components/Table';
import { useAction } from '../../components/useAction';
import { useAllAudiences } from '../../components/useAllAudiences';
import { Link } from '../../router';
import { useWriteGuard } from '../../session';
import type { CustomerDetail } from './util';

/** A consumer is in at most this many audiences (the API's bound). */
const MAX_AUDIENCES = 25;
const COLUMNS: Column[] = ['Name', 'Description', { label: 'Members', num: true }, ACTIONS];

export function AudiencesTab({ consumer, onChanged }: { consumer: CustomerDetail; onChanged: () => void }) {
  const guard = useWriteGuard();
  const all = useAllAudiences();
  const [choice, setChoice] = useState('');
  const { busy, error, act } = useAction();
  const [notice, setNotice] = useState<string | null>(null);

  const joined = consumer.audiences ?? [];
  // Ids the consumer holds whose audience is not shown (deleted a moment ago): left out of both lists.
  const ids = consumer.audienceIds ?? [];
  const joinedIds = new Set(ids);
  const joinable = (all.data ?? []).filter((a) => !joinedIds.has(a.id)).sort((a, b) => a.name.localeCompare(b.name));
  const full = ids.length >= MAX_AUDIENCES;

  const placeholder =
    all.loading && !all.data ? 'Loading…' : joinable.length ? 'Choose an audience' : 'No other audience';

  function change(a: Pick<Audience, 'id' | 'name'>, join: boolean) {
    setNotice(null);
    return act(async () => {
      const body = { consumerIds: [consumer.id] };
      if (join) await api.post('/audiences/{id}/members', body, { path: { id: a.id } });
      else await api.delete('/audiences/{id}/members', body, { path: { id: a.id } });
      setNotice(join ? `Joined ${a.name}.` : `Left ${a.name}.`);
      if (join) setChoice('');
      onChanged();
      all.reload();
    });
  }

  function join(e: Event) {
    e.preventDefault();
    const a = joinable.find((x) => x.id === choice);
    if (a) void change(a, true);
  }

  return (
    <div class="audiences-tab">
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={error ?? all.error} />
      <form class="toolbar" onSubmit={join} aria-label="Join an audience">
        <SelectField
          label="Audience"
          value={choice}
          onValue={setChoice}
          options={[
            { value: '', label: placeholder },
            ...joinable.map((a) => ({ value: a.id, label: a.name })),
          ]}
          hint={full ? `A customer is in at most ${MAX_AUDIENCES} audiences.` : undefined}
        />
        <button type="submit" class="button-primary" {...guard(busy || !choice || full)}>
          Join
        </button>
        <span class="muted small">
          <Link href="/app/audiences">Manage audiences</Link>
        </span>
      </form>

      <h2 class="tab-title">
        In {formatNumber(joined.length)} {joined.length === 1 ? 'audience' : 'audiences'}
      </h2>
      <div class="table-wrap table-short">
        <table>
          <caption class="sr-only">The customer’s audiences</caption>
          <TableHead columns={COLUMNS} />
          <tbody>
            {joined.length === 0 && <EmptyRow colSpan={COLUMNS.length}>This customer is in no audience.</EmptyRow>}
            {joined.map((a) => (
              <tr key={a.id}>
                <td>{a.name}</td>
                <td class="cell-wrap">{a.description ?? <span class="muted">—</span>}</td>
                <td class="num">{formatNumber(a.memberCount)}</td>
                <td>
                  <button type="button" {...guard(busy)} onClick={() => void change(a, false)}>
                    Leave {a.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
