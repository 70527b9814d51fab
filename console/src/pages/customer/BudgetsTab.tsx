// Budgets (seed 003: "all the profile budgets applied to this customer profile"): each budget of the
// organization's programs as it stands for this customer now (GET /consumers/{id}/budgets, not
// paged: at most 3 a program): action, program, limit, used (with a bar), remaining, period, what
// happens past the limit (Refused / Capped) and when it resets. Read-only: budgets are defined in a
// program's settings.
import { api, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { formatNumber } from '../../components/format';
import { EmptyRow, TableHead, TableWrap, type Column } from '../../components/Table';
import { useAsync } from '../../components/useAsync';
import { Link } from '../../router';
import { when } from './AchievementsTab';
import { useProgramNames } from './programs';
import type { CustomerDetail } from './util';
import { AsOfToolbar } from './AsOfToolbar';

export const BUDGET_ACTIONS: Record<Schemas['BudgetAction'], string> = {
  points_earned: 'Points earned',
  coupon_redemptions: 'Coupon redemptions',
  referral_rewards: 'Referral rewards',
};
export const BUDGET_PERIODS: Record<Schemas['BudgetPeriod'], string> = {
  day: 'per day',
  week: 'per week',
  month: 'per month',
  never: 'in all',
};
export const OVERFLOWS: Record<Schemas['BudgetOverflow'], string> = { refuse: 'Refused', cap: 'Capped' };

const COLUMNS: Column[] = [
  'Action',
  'Program',
  { label: 'Limit', num: true },
  { label: 'Used', num: true },
  { label: 'Remaining', num: true },
  'Period',
  'Past the limit',
  'Resets',
];

export function BudgetsTab({ consumer }: { consumer: CustomerDetail }) {
  const loaded = useAsync(
    (signal) => api.get('/consumers/{id}/budgets', { path: { id: consumer.id }, signal }),
    [consumer.id],
  );
  const rows = loaded.data?.budgets ?? [];
  const names = useProgramNames();

  return (
    <div class="budgets-tab">
      <AsOfToolbar
        title="Budgets applied to this customer"
        asOf={loaded.data?.asOf}
        refreshLabel="Refresh budgets"
        onRefresh={loaded.reload}
        loading={loaded.loading}
      />
      <p class="muted small">
        A budget limits what one customer gets of a program’s action in a period (in the program’s time zone): past
        the limit the action is refused, or, for points earned, capped. Budgets are defined in each program’s settings
        on the <Link href="/app/loyalty-programs">Loyalty programs</Link> page.
      </p>
      <ErrorMessage error={loaded.error} />
      <TableWrap label="Budgets">
        <table aria-label="Budgets">
          <TableHead columns={COLUMNS} />
          <tbody>
            {rows.map((b) => {
              const action = BUDGET_ACTIONS[b.action] ?? b.action;
              const program = names.get(b.programId) ?? b.programId;
              return (
                <tr key={`${b.programId}/${b.action}`}>
                  <th scope="row">{action}</th>
                  <td>{program}</td>
                  <td class="num">{formatNumber(b.limit)}</td>
                  <td class="num cell-progress">
                    {formatNumber(b.used)}
                    <progress
                      max={b.limit > 0 ? b.limit : 1}
                      value={Math.min(b.used, b.limit)}
                      aria-label={`Budget used: ${action}, ${program}`}
                    />
                  </td>
                  <td class="num">{formatNumber(b.remaining)}</td>
                  <td>{BUDGET_PERIODS[b.period] ?? b.period}</td>
                  <td>
                    <span class={`badge ${b.overflow === 'cap' ? 'badge-warn' : 'badge-off'}`}>
                      {OVERFLOWS[b.overflow] ?? b.overflow}
                    </span>
                  </td>
                  <td>{when(b.resetsAt, 'Never')}</td>
                </tr>
              );
            })}
            {!rows.length && (
              <EmptyRow colSpan={COLUMNS.length}>
                {loaded.loading
                  ? 'Loading…'
                  : 'No budgets apply to this customer: add them to a loyalty program in its settings (Loyalty programs, Edit).'}
              </EmptyRow>
            )}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}
