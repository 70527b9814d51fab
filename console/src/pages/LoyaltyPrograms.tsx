// Loyalty programs (/app/loyalty-programs): the list (oldest first; the first is the primary one),
// "Create loyalty program" and "Edit <name>" (a dialog with the rules, sign-up and referral points, tiers,
// achievements and budgets; the list counts the last two: "2 achievements · 1 budget"),
// "Issue card <name>" (IssueCardDialog: a loyalty card of the program; the status names its code).
import { useState } from 'preact/hooks';
import { api, type LoyaltyProgram, type Schemas } from '../api/client';
import { ErrorMessage, StatusMessage } from '../components/Alert';
import { formatDateTime, formatNumber } from '../components/format';
import { NamedButton } from '../components/NamedButton';
import { PagedTable, usePagedList } from '../components/PagedTable';
import { ACTIONS, type Column } from '../components/Table';
import { usePageTitle } from '../components/usePageTitle';
import { useWriteGuard } from '../session';
import { IssueCardDialog } from './admin/IssueCardDialog';
import { LoyaltyProgramDialog } from './admin/LoyaltyProgramDialog';

type PointsRule = Schemas['PointsRule'];

const ROUND_TEXT: Record<string, string> = {
  start_of_day: ', start of that day',
  end_of_day: ', end of that day',
  end_of_week: ', end of that week',
  end_of_month: ', end of that month',
};

/** "50 / 20 points (advocate / referred)", as the Referrals tab shows them; a side given none is left out. */
function referralText(r: Schemas['ReferralRule']): string {
  const a = r.advocatePoints ?? 0;
  const b = r.referredPoints ?? 0;
  if (a && b) return `${formatNumber(a)} / ${formatNumber(b)} points (advocate / referred)`;
  return a ? `${formatNumber(a)} points to the advocate` : `${formatNumber(b)} points to the referred customer`;
}

/** "2 achievements · 1 budget"; '' when it has neither. */
function goalsText(p: LoyaltyProgram): string {
  const count = (n: number, one: string) => (n ? `${formatNumber(n)} ${one}${n === 1 ? '' : 's'}` : '');
  return [count(p.achievements?.length ?? 0, 'achievement'), count(p.budgets?.length ?? 0, 'budget')]
    .filter(Boolean)
    .join(' · ');
}

/** A rule in words: "Immediately", "Never", "After 30 days, end of that day", "At 1 Jan 2026, 00:00". */
export function describeRule(r: PointsRule | null | undefined, none = 'Immediately'): string {
  if (!r) return '—';
  switch (r.type) {
    case 'default':
      return 'Program default';
    case 'immediate':
      return 'Immediately';
    case 'unlimited':
      return 'Never';
    case 'relative': {
      const n = r.amount ?? 0;
      const unit = n === 1 ? r.unit.replace(/s$/, '') : r.unit;
      return `After ${formatNumber(n)} ${unit}${ROUND_TEXT[r.round] ?? ''}`;
    }
    case 'absolute':
      return `At ${formatDateTime(r.at)}`;
    default:
      return none;
  }
}

type Editing = { program: LoyaltyProgram | null } | null;

const COLUMNS: Column[] = [
  'Name',
  'Tiers',
  'Earning',
  'Points start',
  'Points expire',
  'Tier basis',
  'Timezone',
  'Updated',
  ACTIONS,
];

export default function LoyaltyProgramsPage() {
  usePageTitle('Loyalty programs');
  const guard = useWriteGuard();
  const { page, list } = usePagedList((query, signal) => api.get('/loyalty-programs', { query, signal }));
  const [editing, setEditing] = useState<Editing>(null);
  const [issuing, setIssuing] = useState<LoyaltyProgram | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const rows = list.data?.data ?? [];

  return (
    <section class="page">
      <header class="page-head">
        <h1>Loyalty programs</h1>
        <span class="spacer" />
        <button
          type="button"
          class="button-primary"
          {...guard()}
          onClick={() => {
            setNotice(null);
            setEditing({ program: null });
          }}
        >
          Create loyalty program
        </button>
      </header>
      <p class="muted">
        The organization’s first program is its primary one: its points and tier show on each customer. Orders earn
        points by a program’s earning rule, a customer who becomes a member gets its sign-up points once, and a customer
        who comes with another’s referral code gets its referral points, as does the other; tiers follow a customer’s
        points.
      </p>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={list.error} />
      <PagedTable
        label="Loyalty programs"
        columns={COLUMNS}
        rows={rows}
        list={list}
        page={page}
        noun="programs"
        empty="No loyalty programs yet."
      >
        {(p) => (
          <tr key={p.id}>
            <td>
              <span class="cell-name">{p.name}</span> {p.primary && <span class="badge badge-info">Primary</span>}
            </td>
            <td class="cell-wrap">
              {p.tiers.length
                ? p.tiers.map((t) => `${t.name} (${formatNumber(t.minPoints)}+)`).join(', ')
                : <span class="muted">None</span>}
            </td>
            <td class="cell-wrap">
              {p.earning ? (
                <>
                  {String(p.earning.pointsPerUnit)} per unit paid
                  {p.earning.start && p.earning.start.type !== 'default' && (
                    <span class="muted small"> · active {describeRule(p.earning.start).toLowerCase()}</span>
                  )}
                </>
              ) : (
                <span class="muted">Orders earn none</span>
              )}
              {p.signUp && <div>Sign-up: {formatNumber(p.signUp.points)} points</div>}
              {p.referral && <div>Referral: {referralText(p.referral)}</div>}
              {goalsText(p) && <div>{goalsText(p)}</div>}
            </td>
            <td>{describeRule(p.defaultStart)}</td>
            <td>{describeRule(p.defaultExpiry)}</td>
            <td>{p.tierBasis === 'lifetime' ? 'Lifetime points' : 'Active points'}</td>
            <td>{p.timezone}</td>
            <td>{formatDateTime(p.updatedAt)}</td>
            <td class="row-actions">
              <NamedButton
                verb="Edit"
                name={p.name}
                onClick={() => {
                  setNotice(null);
                  setEditing({ program: p });
                }}
              />
              <NamedButton
                verb="Issue card"
                name={p.name}
                onClick={() => {
                  setNotice(null);
                  setIssuing(p);
                }}
              />
            </td>
          </tr>
        )}
      </PagedTable>

      <IssueCardDialog
        program={issuing}
        onClose={() => setIssuing(null)}
        onDone={(card, program) => {
          setIssuing(null);
          const users = card.usersPerCardLimit === 1 ? '1 customer' : `${formatNumber(card.usersPerCardLimit)} customers`;
          setNotice(`Issued the card ${card.code} of ${program.name}: up to ${users}. Link it on a customer’s Loyalty cards tab.`);
        }}
      />
      <LoyaltyProgramDialog
        open={editing !== null}
        program={editing?.program ?? null}
        onClose={() => setEditing(null)}
        onSaved={(p, created) => {
          setEditing(null);
          setNotice(created ? `Created the loyalty program ${p.name}.` : `Saved the loyalty program ${p.name}.`);
          list.reload();
        }}
      />
    </section>
  );
}
