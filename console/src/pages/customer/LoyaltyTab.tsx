// Loyalty (seed 003): a "Loyalty program" and a "Ledger" selector (with "All ledgers"); tier,
// current pending and active points, lifetime earned and redeemed; the transactions table (with each
// one's kind); "Add points", "Deduct points", "Create subledger" and "Export transaction log". Program
// and ledger live in the URL. A blocked or inactive customer's points writes are disabled, and say why.
import { useMemo, useState } from 'preact/hooks';
import { api, collectAll, type LoyaltyProgram, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { SelectField } from '../../components/Field';
import { formatDateTime, formatNumber, humanize } from '../../components/format';
import { DEFAULT_PAGE_SIZE, Pager, pageQuery, type PageState } from '../../components/Pager';
import { EmptyRow, TableHead, TableWrap, type Column } from '../../components/Table';
import { useAsync } from '../../components/useAsync';
import { Link, setQuery, useLocation } from '../../router';
import { useWriteGuard } from '../../session';
import { pointsRefusal } from './Blocking';
import { Fact } from './Fact';
import { AddPointsDialog, DeductPointsDialog } from './PointsDialogs';
import { TransactionExportDialog } from './TransactionExportDialog';
import { signedPoints, type CustomerDetail } from './util';

type LedgerBalance = Schemas['LedgerBalance'];
type Kind = Schemas['PointsTransactionKind'];
type DialogName = 'add' | 'deduct' | 'subledger' | 'export' | null;

const MAIN = 'main';
const REFUSAL_ID = 'points-refusal';
const KINDS: Record<Kind, string> = {
  added: 'Added',
  deducted: 'Deducted',
  earned: 'Earned',
  taken_back: 'Taken back',
  sign_up: 'Sign-up',
  referral: 'Referral',
  achievement: 'Achievement',
};
const FIRST_PAGE: PageState = { pageSize: DEFAULT_PAGE_SIZE, after: null, before: null };
const COLUMNS: Column[] = [
  'Created on',
  { label: 'Points', num: true },
  'Kind',
  'Ledger',
  'Reason',
  'Expires on',
  'Active on',
  'Order',
];

export function LoyaltyTab({ consumer, onChanged }: { consumer: CustomerDetail; onChanged: () => void }) {
  const guard = useWriteGuard();
  const refusal = pointsRefusal(consumer);
  /** A points write: disabled for a read-only key, and for a customer who may not earn or redeem (saying why). */
  const pointsGuard = () => {
    const g = guard(!!refusal);
    if (!refusal) return g;
    return { ...g, 'aria-describedby': [g['aria-describedby'], REFUSAL_ID].filter(Boolean).join(' ') };
  };
  const loc = useLocation();
  const q = new URLSearchParams(loc.search);
  const [dialog, setDialog] = useState<DialogName>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [page, setPage] = useState<PageState>(FIRST_PAGE);

  const programs = useAsync(
    (signal) =>
      collectAll<LoyaltyProgram>(
        (after) => api.get('/loyalty-programs', { query: { first: 100, after }, signal }),
        undefined,
        500,
      ),
    [],
  );
  const list = programs.data ?? [];
  const asked = q.get('program');
  const program = list.find((p) => p.id === asked) ?? list.find((p) => p.primary) ?? list[0] ?? null;
  const ledger = q.get('ledger') ?? '';

  const summary = useAsync(
    (signal) =>
      program
        ? api.get('/consumers/{id}/loyalty', { path: { id: consumer.id }, query: { programId: program.id }, signal })
        : Promise.resolve(null),
    [consumer.id, program?.id],
  );
  const transactions = useAsync(
    (signal) =>
      program
        ? api.get('/consumers/{id}/loyalty/transactions', {
            path: { id: consumer.id },
            query: {
              programId: program.id,
              ledger: ledger || undefined,
              ...pageQuery(page),
            },
            signal,
          })
        : Promise.resolve(null),
    [consumer.id, program?.id, ledger, page.pageSize, page.after, page.before],
  );

  const balances = (summary.data?.programs ?? []).filter((b) => b.programId === program?.id);
  const ledgers = useMemo(() => {
    const names = new Set<string>([MAIN]);
    for (const b of balances) if (b.ledger) names.add(b.ledger);
    if (ledger) names.add(ledger);
    return [...names].sort((a, b) => (a === MAIN ? -1 : b === MAIN ? 1 : a.localeCompare(b)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [summary.data, ledger]);
  const all = balances.find((b) => b.ledger === null) ?? null;
  const shown: LedgerBalance | null = ledger ? (balances.find((b) => b.ledger === ledger) ?? null) : all;

  /** Back to the first page of the transactions, at the size chosen. */
  const firstPage = () => setPage((p) => ({ ...FIRST_PAGE, pageSize: p.pageSize }));

  function choose(changes: { program?: string; ledger?: string }) {
    firstPage();
    setQuery(
      {
        program: changes.program ?? program?.id ?? null,
        ledger: changes.program !== undefined ? null : (changes.ledger ?? ledger),
      },
      { replace: true },
    );
  }

  function done(message: string, ledgerNow?: string) {
    setDialog(null);
    setNotice(message);
    firstPage();
    summary.reload();
    transactions.reload();
    if (ledgerNow !== undefined && ledgerNow !== ledger && ledger !== '') choose({ ledger: ledgerNow });
    onChanged();
  }

  if (programs.error) return <ErrorMessage error={programs.error} />;
  if (!programs.data) {
    return (
      <p class="muted" role="status">
        Loading loyalty programs…
      </p>
    );
  }
  if (!program) {
    return (
      <p>
        There is no loyalty program yet. <Link href="/app/loyalty-programs">Create one on the Loyalty programs page</Link>.
      </p>
    );
  }

  const rows = transactions.data?.data ?? [];
  const ledgerLabel = ledger || 'All ledgers';
  // The figures of the program shown ('…' while they load, '—' when they could not be).
  const figure = (n: number | null | undefined) =>
    summary.data ? formatNumber(n ?? 0) : summary.loading ? '…' : '—';

  return (
    <div class="loyalty-tab">
      <div class="toolbar">
        <SelectField
          label="Loyalty program"
          value={program.id}
          onValue={(v) => choose({ program: v })}
          options={list.map((p) => ({ value: p.id, label: p.primary ? `${p.name} (primary)` : p.name }))}
        />
        <SelectField
          label="Ledger"
          value={ledger}
          onValue={(v) => choose({ ledger: v })}
          options={[{ value: '', label: 'All ledgers' }, ...ledgers.map((l) => ({ value: l, label: l }))]}
        />
        <span class="spacer" />
        <div class="button-row">
          <button type="button" class="button-primary" {...pointsGuard()} onClick={() => setDialog('add')}>
            Add points
          </button>
          <button type="button" {...pointsGuard()} onClick={() => setDialog('deduct')}>
            Deduct points
          </button>
          <button type="button" {...pointsGuard()} onClick={() => setDialog('subledger')}>
            Create subledger
          </button>
          <button type="button" {...guard()} onClick={() => setDialog('export')}>
            Export transaction log
          </button>
        </div>
      </div>

      {refusal && (
        <p class="alert alert-info" id={REFUSAL_ID}>
          {refusal}
        </p>
      )}
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={summary.error} />

      <h2 class="tab-title">
        {program.name} · {ledgerLabel}
      </h2>
      <div class="detail-figures" aria-busy={summary.loading}>
        <Fact label="Tier">
          {summary.data
            ? (shown?.tier ?? all?.tier ?? (program.tiers.length ? 'None yet' : 'No tiers'))
            : figure(null)}
        </Fact>
        <Fact label="Current pending points">{figure(shown?.pendingPoints)}</Fact>
        <Fact label="Current active points">{figure(shown?.activePoints)}</Fact>
        <Fact label="Expired">{figure(shown?.expiredPoints)}</Fact>
        <Fact label="Lifetime">{figure(shown?.lifetimePoints)}</Fact>
        <Fact label="Lifetime earned">{figure(shown?.lifetimeEarnedPoints)}</Fact>
        <Fact label="Lifetime redeemed">{figure(shown?.lifetimeRedeemedPoints)}</Fact>
      </div>
      {shown?.nextExpiry && (
        <p class="muted small">
          {formatNumber(shown.nextExpiringPoints)} points expire {formatDateTime(shown.nextExpiry)}.
        </p>
      )}

      <h2 class="tab-title">Transactions</h2>
      <ErrorMessage error={transactions.error} />
      <TableWrap label="Points transactions">
        <table class="transactions" aria-busy={transactions.loading}>
          <TableHead columns={COLUMNS} />
          <tbody>
            {rows.length === 0 && (
              <EmptyRow colSpan={COLUMNS.length}>
                {transactions.loading ? 'Loading…' : 'No transactions in this ledger yet.'}
              </EmptyRow>
            )}
            {rows.map((t) => (
              <tr key={t.id}>
                <td>{formatDateTime(t.createdAt)}</td>
                <td class={`num ${t.points < 0 ? 'points-minus' : 'points-plus'}`}>{signedPoints(t.points)}</td>
                <td>{KINDS[t.kind] ?? humanize(t.kind)}</td>
                <td>{t.ledger}</td>
                <td class="cell-reason">{t.reason}</td>
                <td>{t.points < 0 ? '—' : t.expiresOn ? formatDateTime(t.expiresOn) : 'Never'}</td>
                <td>{t.points < 0 ? '—' : formatDateTime(t.activeOn)}</td>
                <td>
                  {t.orderId ?? <span class="muted">{t.kind === 'added' || t.kind === 'deducted' ? 'manual' : '—'}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <Pager
        label="Transaction pages"
        pageInfo={transactions.data?.pageInfo ?? null}
        pageSize={page.pageSize}
        busy={transactions.loading}
        onNext={(after) => setPage((p) => ({ ...p, after, before: null }))}
        onPrevious={(before) => setPage((p) => ({ ...p, before, after: null }))}
        onPageSize={(pageSize) => setPage({ ...FIRST_PAGE, pageSize })}
      />

      <AddPointsDialog
        open={dialog === 'add' || dialog === 'subledger'}
        subledger={dialog === 'subledger'}
        consumerId={consumer.id}
        program={program}
        ledgers={ledgers}
        ledger={ledger || MAIN}
        onClose={() => setDialog(null)}
        onDone={done}
        onRefused={onChanged}
      />
      <DeductPointsDialog
        open={dialog === 'deduct'}
        consumerId={consumer.id}
        program={program}
        ledgers={ledgers}
        ledger={ledger || MAIN}
        balances={balances}
        onClose={() => setDialog(null)}
        onDone={done}
        onRefused={onChanged}
      />
      <TransactionExportDialog
        open={dialog === 'export'}
        consumer={consumer}
        program={program}
        ledger={ledger || null}
        onClose={() => setDialog(null)}
      />
    </div>
  );
}
