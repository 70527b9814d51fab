// Loyalty cards (seed 003: "the loyalty cards registered by the customer"): the consumer's cards, by
// code (GET /consumers/{id}/loyalty-cards, its page in the URL under `cards…`): code, program, status,
// when this customer was linked (registered) and how many profiles the card links ("1 of 1").
// "Link a card" (LinkCardDialog) links a card by its code, the API's refusals beside the code (none has
// it, it is full, it is not active); "Unlink <code>" asks first; "Block card <code>" / "Activate card
// <code>" change its status. After each: a status message, the list again, and the focus on the card's
// row (linked), its other status button (blocked/activated) or the table (unlinked).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, collectAll, type LoyaltyProgram, type Schemas } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { formatDate, formatNumber } from '../../components/format';
import { NamedButton } from '../../components/NamedButton';
import { PagedTable, usePagedList } from '../../components/PagedTable';
import { pageParams } from '../../components/Pager';
import { ACTIONS, type Column } from '../../components/Table';
import { useAsync } from '../../components/useAsync';
import { setQuery } from '../../router';
import { useWriteGuard } from '../../session';
import { LinkCardDialog, UnlinkCardDialog, type LoyaltyCard } from './LoyaltyCardDialogs';
import type { CustomerDetail } from './util';

/** Where the URL holds the cards' page. */
export const CARDS_PAGE = 'cards';

export const CARD_STATUSES: Record<Schemas['CardStatus'], [label: string, badge: string]> = {
  active: ['Active', 'badge-ok'],
  inactive: ['Inactive', 'badge-off'],
  blocked: ['Blocked', 'badge-bad'],
};
const COLUMNS: Column[] = ['Code', 'Program', 'Status', 'Registered', { label: 'Users', num: true }, ACTIONS];

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** What to focus once the list is loaded again. */
type Focus = { code: string; what: 'row' | 'toggle' } | { what: 'table' } | null;

export function LoyaltyCardsTab({ consumer }: { consumer: CustomerDetail }) {
  const guard = useWriteGuard();
  const { page, list } = usePagedList(
    (query, signal) => api.get('/consumers/{id}/loyalty-cards', { path: { id: consumer.id }, query, signal }),
    [consumer.id],
    CARDS_PAGE,
  );
  const programs = useAsync(
    (signal) =>
      collectAll<LoyaltyProgram>(
        (after) => api.get('/loyalty-programs', { query: { first: 100, after }, signal }),
        undefined,
        500,
      ),
    [],
  );
  const names = useMemo(() => new Map((programs.data ?? []).map((p) => [p.id, p.name])), [programs.data]);
  const [linking, setLinking] = useState(false);
  const [unlinking, setUnlinking] = useState<LoyaltyCard | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [focus, setFocus] = useState<Focus>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const rows = list.data?.data ?? [];

  useEffect(() => {
    if (!focus || list.loading) return;
    setFocus(null);
    const root = wrap.current;
    const sel =
      focus.what === 'row' ? `th[data-code="${CSS.escape(focus.code)}"]`
      : focus.what === 'toggle' ? `button[data-toggle="${CSS.escape(focus.code)}"]`
      : null;
    const target = sel ? root?.querySelector<HTMLElement>(sel) : null;
    (target ?? root?.querySelector<HTMLElement>('.table-wrap'))?.focus();
  }, [focus, list.loading, list.data]);

  /** The list again (from its first page when `first`), then `next` focused. */
  function refresh(next: Focus, first = false) {
    setFocus(next);
    const { after, before } = pageParams(CARDS_PAGE);
    if (first && (page.after || page.before)) setQuery({ [after]: null, [before]: null });
    else list.reload();
  }

  function linked(c: LoyaltyCard) {
    setLinking(false);
    setNotice(`Card ${c.code} linked to this customer (${users(c)} users).`);
    refresh({ code: c.code, what: 'row' }, true);
  }

  function unlinked(c: LoyaltyCard) {
    setUnlinking(null);
    setNotice(`Card ${c.code} unlinked from this customer.`);
    refresh({ what: 'table' });
  }

  async function setStatus(c: LoyaltyCard, status: Schemas['CardStatus']) {
    setNotice(null);
    setError(null);
    setBusy(c.code);
    try {
      const after = await api.put('/loyalty-cards/{code}', { status }, { path: { code: c.code } });
      setNotice(`Card ${after.code} ${status === 'blocked' ? 'blocked' : 'activated'}.`);
      refresh({ code: after.code, what: 'toggle' });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="cards-tab" ref={wrap}>
      <div class="toolbar">
        <h2 class="tab-title">Loyalty cards registered by this customer</h2>
        <span class="spacer" />
        <button
          type="button"
          class="button-primary"
          {...guard()}
          onClick={() => {
            setNotice(null);
            setError(null);
            setLinking(true);
          }}
        >
          Link a card
        </button>
      </div>
      <p class="muted small">
        Points added or deducted by card go to this customer’s wallet in the card’s program. A blocked or inactive card
        takes no points and links no one new.
      </p>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={error} />
      <ErrorMessage error={list.error} />
      <PagedTable
        label="Loyalty cards"
        columns={COLUMNS}
        rows={rows}
        list={list}
        page={page}
        prefix={CARDS_PAGE}
        noun="cards"
        empty="No loyalty card is linked to this customer yet."
      >
        {(c) => {
          const [label, badge] = CARD_STATUSES[c.status] ?? [c.status, 'badge-off'];
          const mine = c.consumers.find((h) => h.consumerId === consumer.id);
          const blocked = c.status === 'blocked';
          return (
            <tr key={c.code}>
              <th scope="row" data-code={c.code} tabIndex={-1}>
                {c.code}
              </th>
              <td>{names.get(c.programId) ?? c.programId}</td>
              <td>
                <span class={`badge ${badge}`}>{label}</span>
              </td>
              <td>
                {mine ? (
                  <time dateTime={mine.registeredAt}>
                    {formatDate(mine.registeredAt)}
                    <span class="muted small cell-note">{timeFmt.format(new Date(mine.registeredAt))}</span>
                  </time>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <td class="num">{users(c)}</td>
              <td class="row-actions">
                <ToggleButton
                  card={c}
                  verb={blocked || c.status === 'inactive' ? 'Activate card' : 'Block card'}
                  disabled={busy !== null}
                  onClick={() => void setStatus(c, blocked || c.status === 'inactive' ? 'active' : 'blocked')}
                />
                <NamedButton
                  verb="Unlink"
                  name={c.code}
                  disabled={busy !== null}
                  onClick={() => {
                    setNotice(null);
                    setError(null);
                    setUnlinking(c);
                  }}
                />
              </td>
            </tr>
          );
        }}
      </PagedTable>
      <LinkCardDialog open={linking} consumerId={consumer.id} onClose={() => setLinking(false)} onDone={linked} />
      <UnlinkCardDialog
        card={unlinking}
        consumerId={consumer.id}
        onClose={() => setUnlinking(null)}
        onDone={unlinked}
      />
    </div>
  );
}

/** "1 of 1": the profiles the card links, of its limit. */
const users = (c: LoyaltyCard) => `${formatNumber(c.consumers.length)} of ${formatNumber(c.usersPerCardLimit)}`;

/** "Block card <code>" / "Activate card <code>", found again after the reload by `data-toggle`. */
function ToggleButton({
  card,
  verb,
  disabled,
  onClick,
}: {
  card: LoyaltyCard;
  verb: string;
  disabled: boolean;
  onClick: () => void;
}) {
  const guard = useWriteGuard();
  return (
    <button type="button" data-toggle={card.code} {...guard(disabled)} onClick={onClick}>
      {verb}
      <span class="sr-only"> {card.code}</span>
    </button>
  );
}
