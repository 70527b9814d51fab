// Achievements (seed 003: "achievements your customer is participating in"): each achievement of the
// organization's programs as it stands for this customer now (GET /consumers/{id}/achievements, not
// paged: at most 10 a program): name, API name, program, progress ("2 of 3", spend in the currency of
// the customer's newest order) with a bar, status, the current period's start and end (when it ends or
// resets) and when it was completed. Read-only: achievements are defined in a program's settings.
import { api, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { formatDateTime, formatMoney, formatNumber } from '../../components/format';
import { EmptyRow, TableHead, TableWrap, type Column } from '../../components/Table';
import { useAsync } from '../../components/useAsync';
import { Link } from '../../router';
import { useOrderCurrency, useProgramNames } from './programs';
import type { CustomerDetail } from './util';
import { AsOfToolbar } from './AsOfToolbar';

type Achievement = Schemas['AchievementProgress'];

const STATUSES: Record<Schemas['AchievementStatus'], [label: string, badge: string]> = {
  in_progress: ['In progress', 'badge-info'],
  completed: ['Completed', 'badge-ok'],
  expired: ['Expired', 'badge-off'],
};
const COLUMNS: Column[] = ['Achievement', 'API name', 'Program', 'Progress', 'Status', 'Start', 'Ends / resets', 'Completed on'];

export function AchievementsTab({ consumer }: { consumer: CustomerDetail }) {
  const loaded = useAsync(
    (signal) => api.get('/consumers/{id}/achievements', { path: { id: consumer.id }, signal }),
    [consumer.id],
  );
  const rows = loaded.data?.achievements ?? [];
  const names = useProgramNames();
  const currency = useOrderCurrency(consumer.id, rows.some((a) => a.metric === 'spend'));
  const figure = (a: Achievement, v: Achievement['progress']) =>
    a.metric === 'spend' ? formatMoney(Number(v), currency) : formatNumber(Number(v));

  return (
    <div class="achievements-tab">
      <AsOfToolbar
        title="Achievements of this customer"
        asOf={loaded.data?.asOf}
        refreshLabel="Refresh achievements"
        onRefresh={loaded.reload}
        loading={loaded.loading}
      />
      <p class="muted small">
        Orders, spend or points move an achievement within its period; one that repeats starts again each day, week
        or month. Achievements are defined in each program’s settings on the{' '}
        <Link href="/app/loyalty-programs">Loyalty programs</Link> page.
      </p>
      <ErrorMessage error={loaded.error} />
      <TableWrap label="Achievements">
        <table aria-label="Achievements">
          <TableHead columns={COLUMNS} />
          <tbody>
            {rows.map((a) => {
              const [label, badge] = STATUSES[a.status] ?? [a.status, 'badge-off'];
              const target = Number(a.target);
              const progress = Number(a.progress);
              return (
                <tr key={`${a.programId}/${a.key}`}>
                  <th scope="row">{a.name}</th>
                  <td>
                    <code>{a.key}</code>
                  </td>
                  <td>{names.get(a.programId) ?? a.programId}</td>
                  <td class="cell-progress">
                    {figure(a, a.progress)} of {figure(a, a.target)}
                    <progress
                      max={target > 0 ? target : 1}
                      value={Math.min(progress, target)}
                      aria-label={`Progress of ${a.name}`}
                    />
                  </td>
                  <td>
                    <span class={`badge ${badge}`}>{label}</span>
                  </td>
                  <td>{when(a.start, 'Always')}</td>
                  <td>{when(a.end, 'Never')}</td>
                  <td>{when(a.completedOn, 'Not yet')}</td>
                </tr>
              );
            })}
            {!rows.length && (
              <EmptyRow colSpan={COLUMNS.length}>
                {loaded.loading
                  ? 'Loading…'
                  : 'No achievements yet: add them to a loyalty program in its settings (Loyalty programs, Edit).'}
              </EmptyRow>
            )}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}

/** A date and time, or `none` (muted). */
export function when(iso: string | null | undefined, none: string) {
  return iso ? <time dateTime={iso}>{formatDateTime(iso)}</time> : <span class="muted">{none}</span>;
}
