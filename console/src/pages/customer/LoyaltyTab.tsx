// Loyalty (seed 003): a "Loyalty program" and a "Ledger" selector (with "All ledgers"); tier,
// current pending and active points; the transactions table; "Add points", "Deduct points",
// "Create subledger" and "Export transaction log". Program and ledger live in the URL.
import { useMemo, useState } from 'preact/hooks';
import { api, collectAll, type LoyaltyProgram, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { SelectField } from '../../components/Field';
import { formatDateTime, formatNumber } from '../../components/format';
import { EmptyRow, TableWrap } from '../../components/Table';
import { useAsync } from '../../components/useAsync';
import { Link, setQuery, useLocation } from '../../router';
import { useWriteGuard } from '../../session';
import { Fact } from './Fact';
import { AddPointsDialog, DeductPointsDialog } from './PointsDialogs';
import { TransactionExportDialog } from './TransactionExportDialog';
import { signedPoints, type CustomerDetail } from './util';

type LedgerBalance = Schemas['LedgerBalance'];
type DialogName = 'add' | 'deduct' | 'subledger' | 'export' | null;

const PAGE = 20;
const MAIN = 'main';

export function LoyaltyTab({ consumer, onChanged }: { consumer: CustomerDetail; onChanged: () => void }) {
  const guard = useWriteGuard();
  const loc = useLocation();
  const q = new URLSearchParams(loc.search);
  const [dialog, setDialog] = useState<DialogName>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [page, setPage] = useState<{ after?: string; before?: string }>({});

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
    [consumer.id, program?.id, tick],
  );
  const pageKey = `${page.after ?? ''}|${page.before ?? ''}`;
  const transactions = useAsync(
    (signal) =>
      program
        ? api.get('/consumers/{id}/loyalty/transactions', {
            path: { id: consumer.id },
            query: {
              programId: program.id,
              ledger: ledger || undefined,
              ...(page.before ? { last: PAGE, before: page.before } : { first: PAGE, after: page.after }),
            },
            signal,
          })
        : Promise.resolve(null),
    [consumer.id, program?.id, ledger, tick, pageKey],
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

  function choose(changes: { program?: string; ledger?: string }) {
    setPage({});
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
    setPage({});
    setTick((t) => t + 1);
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
  const info = transactions.data?.pageInfo ?? null;
  const prev = info?.hasPreviousPage ? info.startCursor : null;
  const next = info?.hasNextPage ? info.endCursor : null;
  const ledgerLabel = ledger || 'All ledgers';

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
          <button type="button" class="button-primary" {...guard()} onClick={() => setDialog('add')}>
            Add points
          </button>
          <button type="button" {...guard()} onClick={() => setDialog('deduct')}>
            Deduct points
          </button>
          <button type="button" {...guard()} onClick={() => setDialog('subledger')}>
            Create subledger
          </button>
          <button type="button" {...guard()} onClick={() => setDialog('export')}>
            Export transaction log
          </button>
        </div>
      </div>

      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={summary.error} />

      <h2 class="tab-title">
        {program.name} · {ledgerLabel}
      </h2>
      <div class="detail-figures" aria-busy={summary.loading}>
        <Fact label="Tier">
          {shown?.tier ?? all?.tier ?? (program.tiers.length ? 'None yet' : 'No tiers')}
        </Fact>
        <Fact label="Current pending points">
          {formatNumber(shown?.pendingPoints ?? 0)}
        </Fact>
        <Fact label="Current active points">
          {formatNumber(shown?.activePoints ?? 0)}
        </Fact>
        <Fact label="Spent">
          {formatNumber(shown?.spentPoints ?? 0)}
        </Fact>
        <Fact label="Expired">
          {formatNumber(shown?.expiredPoints ?? 0)}
        </Fact>
        <Fact label="Lifetime">
          {formatNumber(shown?.lifetimePoints ?? 0)}
        </Fact>
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
          <thead>
            <tr>
              <th scope="col">Created on</th>
              <th scope="col" class="num">
                Points
              </th>
              <th scope="col">Ledger</th>
              <th scope="col">Reason</th>
              <th scope="col">Expires on</th>
              <th scope="col">Active on</th>
              <th scope="col">Order</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <EmptyRow colSpan={7}>{transactions.loading ? 'Loading…' : 'No transactions in this ledger yet.'}</EmptyRow>
            )}
            {rows.map((t) => (
              <tr key={t.id}>
                <td>{formatDateTime(t.createdAt)}</td>
                <td class={`num ${t.points < 0 ? 'points-minus' : 'points-plus'}`}>{signedPoints(t.points)}</td>
                <td>{t.ledger}</td>
                <td class="cell-reason">{t.reason}</td>
                <td>{t.points < 0 ? '—' : t.expiresOn ? formatDateTime(t.expiresOn) : 'Never'}</td>
                <td>{t.points < 0 ? '—' : formatDateTime(t.activeOn)}</td>
                <td>{t.orderId ?? <span class="muted">manual</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <nav class="pager" aria-label="Transaction pages">
        <button type="button" disabled={!prev || transactions.loading} onClick={() => prev && setPage({ before: prev })}>
          Previous
        </button>
        <button type="button" disabled={!next || transactions.loading} onClick={() => next && setPage({ after: next })}>
          Next
        </button>
      </nav>

      <AddPointsDialog
        open={dialog === 'add' || dialog === 'subledger'}
        subledger={dialog === 'subledger'}
        consumerId={consumer.id}
        program={program}
        ledgers={ledgers}
        ledger={ledger || MAIN}
        onClose={() => setDialog(null)}
        onDone={done}
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
