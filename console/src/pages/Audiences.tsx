// Audiences (/app/audiences): the list (create, rename, delete) and, with ?audience=<id>, one
// audience's members (paged; remove one). The view and its page live in the URL.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Audience, type Consumer } from '../api/client';
import { ErrorMessage, StatusMessage } from '../components/Alert';
import { formatDate, formatDateTime, formatNumber, humanize } from '../components/format';
import { NamedButton } from '../components/NamedButton';
import { PagedTable, usePagedList } from '../components/PagedTable';
import { CLEAR_PAGE } from '../components/Pager';
import { ACTIONS, type Column } from '../components/Table';
import { useAction } from '../components/useAction';
import { useAsync } from '../components/useAsync';
import { usePageTitle } from '../components/usePageTitle';
import { focusPage, Link, navigate, setQuery, useLocation } from '../router';
import { useWriteGuard } from '../session';
import { AudienceDialog, DeleteAudienceDialog } from './admin/AudienceDialogs';

const LIST = '/app/audiences';

export default function AudiencesPage() {
  const loc = useLocation();
  const audienceId = new URLSearchParams(loc.search).get('audience');
  // Kept here so a note survives going from an audience back to the list (after a delete).
  const [notice, setNotice] = useState<ComponentChildren>(null);
  // The list and an audience are pages of their own: going from one to the other moves focus as a
  // change of path does.
  const shown = useRef(audienceId);
  useEffect(() => {
    if (shown.current === audienceId) return;
    shown.current = audienceId;
    focusPage();
  }, [audienceId]);
  return audienceId ? (
    <AudienceMembers key={audienceId} id={audienceId} notice={notice} setNotice={setNotice} />
  ) : (
    <AudienceList notice={notice} setNotice={setNotice} />
  );
}

interface NoticeProps {
  notice: ComponentChildren;
  setNotice: (n: ComponentChildren) => void;
}

type Editing = { kind: 'create' } | { kind: 'rename'; audience: Audience } | null;

const LIST_COLUMNS: Column[] = ['Name', 'Description', { label: 'Members', num: true }, 'Created', 'Updated', ACTIONS];
const MEMBER_COLUMNS: Column[] = [
  'Name',
  'Email',
  'Phone',
  'Status',
  'Membership',
  { label: 'Points', num: true },
  'Created',
  ACTIONS,
];

function AudienceList({ notice, setNotice }: NoticeProps) {
  usePageTitle('Audiences');
  const guard = useWriteGuard();
  const { page, list } = usePagedList((query, signal) => api.get('/audiences', { query, signal }));
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<Audience | null>(null);
  const rows = list.data?.data ?? [];

  return (
    <section class="page">
      <header class="page-head">
        <h1>Audiences</h1>
        <span class="spacer" />
        <button
          type="button"
          class="button-primary"
          {...guard()}
          onClick={() => {
            setNotice(null);
            setEditing({ kind: 'create' });
          }}
        >
          Create audience
        </button>
      </header>
      <p class="muted">
        Groups of customers. Add customers from the <Link href="/app/customers">Customers</Link> list: select them, then
        “Add to audience”.
      </p>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={list.error} />
      <PagedTable
        label="Audiences"
        columns={LIST_COLUMNS}
        rows={rows}
        list={list}
        page={page}
        noun="audiences"
        empty="No audiences yet."
      >
        {(a) => (
          <tr key={a.id}>
            <td>
              <Link href={`${LIST}?audience=${encodeURIComponent(a.id)}`}>{a.name}</Link>
            </td>
            <td class="cell-wrap muted">{a.description || '—'}</td>
            <td class="num">{formatNumber(a.memberCount)}</td>
            <td>{formatDate(a.createdAt)}</td>
            <td>{formatDateTime(a.updatedAt)}</td>
            <td class="row-actions">
              <NamedButton verb="Rename" name={a.name} onClick={() => setEditing({ kind: 'rename', audience: a })} />
              <NamedButton verb="Delete" name={a.name} onClick={() => setDeleting(a)} />
            </td>
          </tr>
        )}
      </PagedTable>

      <AudienceDialog
        open={editing !== null}
        audience={editing?.kind === 'rename' ? editing.audience : null}
        onClose={() => setEditing(null)}
        onSaved={(a, created) => {
          setEditing(null);
          setNotice(created ? `Created the audience ${a.name}.` : `Saved the audience ${a.name}.`);
          if (created && (page.after || page.before)) setQuery(CLEAR_PAGE);
          else list.reload();
        }}
      />
      <DeleteAudienceDialog
        audience={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(a) => {
          setDeleting(null);
          setNotice(`Deleted the audience ${a.name}.`);
          list.reload();
        }}
      />
    </section>
  );
}

function AudienceMembers({ id, notice, setNotice }: NoticeProps & { id: string }) {
  const audience = useAsync((signal) => api.get('/audiences/{id}', { path: { id }, signal }), [id]);
  const { page, list: members } = usePagedList(
    (query, signal) => api.get('/audiences/{id}/members', { path: { id }, query, signal }),
    [id],
  );
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [removed, setRemoved] = useState<Set<string>>(() => new Set());
  const removal = useAction();

  const a = audience.data;
  usePageTitle(a ? `${a.name} · Audiences` : 'Audience');
  const rows = (members.data?.data ?? []).filter((c) => !removed.has(c.id));
  const notFound = audience.error instanceof ApiError && audience.error.status === 404;

  async function remove(c: Consumer) {
    if (!a) return;
    setNotice(null);
    await removal.act(async () => {
      const res = await api.delete('/audiences/{id}/members', { consumerIds: [c.id] }, { path: { id } });
      setRemoved((s) => new Set(s).add(c.id));
      setNotice(`Removed ${memberLabel(c)} from ${a.name}. It has ${formatNumber(res.memberCount)} members.`);
      audience.reload();
    });
  }

  return (
    <section class="page">
      <nav aria-label="Breadcrumb" class="breadcrumb small">
        <Link href={LIST}>All audiences</Link>
      </nav>
      <header class="page-head">
        <h1>{a ? a.name : notFound ? 'Audience not found' : 'Audience'}</h1>
        <span class="spacer" />
        {a && (
          <>
            <Link class="button" href={`/app/customers?audienceId=${encodeURIComponent(a.id)}`}>
              Open in Customers
            </Link>
            <NamedButton
              verb="Rename"
              name={a.name}
              onClick={() => {
                setNotice(null);
                setEditing(true);
              }}
            />
            <NamedButton verb="Delete" name={a.name} class="button-danger" onClick={() => setDeleting(true)} />
          </>
        )}
      </header>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={audience.error} />
      <ErrorMessage error={removal.error} />
      {a && (
        <div class="panel">
          {a.description && <p>{a.description}</p>}
          <p class="muted small">
            {formatNumber(a.memberCount)} {a.memberCount === 1 ? 'member' : 'members'} · created {formatDate(a.createdAt)}{' '}
            · updated {formatDateTime(a.updatedAt)}. To add customers, select them in{' '}
            <Link href="/app/customers">Customers</Link> and use “Add to audience”.
          </p>
        </div>
      )}
      {!notFound && (
        <>
          <h2 id="members-heading">Members</h2>
          <ErrorMessage error={members.error} />
          <PagedTable
            label={a ? `Members of ${a.name}` : 'Members'}
            labelledBy="members-heading"
            columns={MEMBER_COLUMNS}
            rows={rows}
            list={members}
            page={page}
            noun="members"
            empty="No members yet."
          >
            {(c) => (
              <tr key={c.id}>
                <td>
                  <Link href={`/app/customers/${encodeURIComponent(c.id)}`}>{c.fullName || c.email || c.id}</Link>
                </td>
                <td>{c.email ?? '—'}</td>
                <td>{c.phone ?? '—'}</td>
                <td>
                  <span class={`badge ${c.status === 'active' ? 'badge-ok' : 'badge-off'}`}>{humanize(c.status)}</span>
                </td>
                <td>{c.membership === 'member' ? 'Member' : 'Guest'}</td>
                <td class="num">{formatNumber(c.loyalty?.points ?? null)}</td>
                <td>{formatDate(c.createdAt)}</td>
                <td class="row-actions">
                  <NamedButton
                    verb="Remove"
                    name={memberLabel(c)}
                    disabled={removal.busy}
                    onClick={() => void remove(c)}
                  />
                </td>
              </tr>
            )}
          </PagedTable>
        </>
      )}

      {a && (
        <>
          <AudienceDialog
            open={editing}
            audience={a}
            onClose={() => setEditing(false)}
            onSaved={(saved) => {
              setEditing(false);
              setNotice(`Saved the audience ${saved.name}.`);
              audience.reload();
            }}
          />
          <DeleteAudienceDialog
            audience={deleting ? a : null}
            onClose={() => setDeleting(false)}
            onDeleted={(gone) => {
              setDeleting(false);
              setNotice(`Deleted the audience ${gone.name}.`);
              navigate(LIST);
            }}
          />
        </>
      )}
    </section>
  );
}

function memberLabel(c: Consumer): string {
  return c.email ?? c.phone ?? c.fullName ?? c.externalId ?? c.id;
}
