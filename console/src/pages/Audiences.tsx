// Audiences (/app/audiences): the list (create, rename, delete) and, with ?audience=<id>, one
// audience's members (paged; remove one). The view and its page live in the URL.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Audience, type Consumer } from '../api/client';
import { ErrorMessage, StatusMessage } from '../components/Alert';
import { formatDate, formatDateTime, formatNumber, humanize } from '../components/format';
import { CLEAR_PAGE, pageQuery, readPage, UrlPager } from '../components/Pager';
import { EmptyRow, TableWrap } from '../components/Table';
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

/** "Rename <name>" / "Delete <name>": visible verb, the name for assistive technology. */
function Named({ verb, name }: { verb: string; name: string }) {
  return (
    <>
      {verb}
      <span class="sr-only"> {name}</span>
    </>
  );
}

function AudienceList({ notice, setNotice }: NoticeProps) {
  usePageTitle('Audiences');
  const guard = useWriteGuard();
  const loc = useLocation();
  const page = useMemo(() => readPage(new URLSearchParams(loc.search)), [loc.search]);
  const query = pageQuery(page);
  const list = useAsync((signal) => api.get('/audiences', { query, signal }), [JSON.stringify(query)]);
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
      <TableWrap label="Audiences">
        <table aria-label="Audiences">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col" class="num">
                Members
              </th>
              <th scope="col">Created</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link href={`${LIST}?audience=${encodeURIComponent(a.id)}`}>{a.name}</Link>
                </td>
                <td class="cell-wrap muted">{a.description || '—'}</td>
                <td class="num">{formatNumber(a.memberCount)}</td>
                <td>{formatDate(a.createdAt)}</td>
                <td>{formatDateTime(a.updatedAt)}</td>
                <td class="row-actions">
                  <button type="button" {...guard()} onClick={() => setEditing({ kind: 'rename', audience: a })}>
                    <Named verb="Rename" name={a.name} />
                  </button>
                  <button type="button" {...guard()} onClick={() => setDeleting(a)}>
                    <Named verb="Delete" name={a.name} />
                  </button>
                </td>
              </tr>
            ))}
            {!rows.length && (
              <EmptyRow colSpan={6}>
                {list.loading ? 'Loading…' : page.after || page.before ? 'No more audiences.' : 'No audiences yet.'}
              </EmptyRow>
            )}
          </tbody>
        </table>
      </TableWrap>
      <UrlPager pageInfo={list.data?.pageInfo ?? null} page={page} busy={list.loading} count={rows.length} noun="audiences" />

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
  const guard = useWriteGuard();
  const loc = useLocation();
  const page = useMemo(() => readPage(new URLSearchParams(loc.search)), [loc.search]);
  const query = pageQuery(page);
  const audience = useAsync((signal) => api.get('/audiences/{id}', { path: { id }, signal }), [id]);
  const members = useAsync(
    (signal) => api.get('/audiences/{id}/members', { path: { id }, query, signal }),
    [id, JSON.stringify(query)],
  );
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [removed, setRemoved] = useState<Set<string>>(() => new Set());
  const [removing, setRemoving] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const a = audience.data;
  usePageTitle(a ? `${a.name} · Audiences` : 'Audience');
  const rows = (members.data?.data ?? []).filter((c) => !removed.has(c.id));
  const notFound = audience.error instanceof ApiError && audience.error.status === 404;

  async function remove(c: Consumer) {
    if (!a) return;
    setRemoving(c.id);
    setError(null);
    setNotice(null);
    try {
      const res = await api.delete('/audiences/{id}/members', { consumerIds: [c.id] }, { path: { id } });
      setRemoved((s) => new Set(s).add(c.id));
      setNotice(`Removed ${memberLabel(c)} from ${a.name}. It has ${formatNumber(res.memberCount)} members.`);
      audience.reload();
    } catch (e) {
      setError(e);
    } finally {
      setRemoving(null);
    }
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
            <button
              type="button"
              {...guard()}
              onClick={() => {
                setNotice(null);
                setEditing(true);
              }}
            >
              <Named verb="Rename" name={a.name} />
            </button>
            <button type="button" class="button-danger" {...guard()} onClick={() => setDeleting(true)}>
              <Named verb="Delete" name={a.name} />
            </button>
          </>
        )}
      </header>
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={audience.error} />
      <ErrorMessage error={error} />
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
          <TableWrap label={a ? `Members of ${a.name}` : 'Members'}>
            <table aria-labelledby="members-heading">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Phone</th>
                  <th scope="col">Status</th>
                  <th scope="col">Membership</th>
                  <th scope="col" class="num">
                    Points
                  </th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
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
                      <button type="button" {...guard(removing !== null)} onClick={() => void remove(c)}>
                        <Named verb="Remove" name={memberLabel(c)} />
                      </button>
                    </td>
                  </tr>
                ))}
                {!rows.length && (
                  <EmptyRow colSpan={8}>
                    {members.loading ? 'Loading…' : page.after || page.before ? 'No more members.' : 'No members yet.'}
                  </EmptyRow>
                )}
              </tbody>
            </table>
          </TableWrap>
          <UrlPager
            pageInfo={members.data?.pageInfo ?? null}
            page={page}
            busy={members.loading}
            count={rows.length}
            noun="members"
          />
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
