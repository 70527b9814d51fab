// Customer detail (/app/customers/:id): a header (name, "Block customer" / "Unblock customer",
// status with Blocked and its date and reason, membership, verified, created, environment, Klaviyo
// sync) and tabs Profile, Timeline, Sessions, Coupons, Referrals, Loyalty cards, Loyalty, Achievements,
// Budgets, Audiences and Privacy (seed 003's order: coupons, loyalty cards, loyalty points; its tab list
// has Achievements before Budgets, here beside the other loyalty tabs).
// The selected tab lives in the URL (?tab=loyalty), so a reload or Back keeps it; so does the page of
// a tab's paged list (Sessions, Coupons, Referrals' referred customers: first/after/before; its
// codes: codesFirst/codesAfter/codesBefore; Loyalty cards: cardsFirst/cardsAfter/cardsBefore).
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import { ErrorMessage } from '../components/Alert';
import { formatDate, formatDateTime, humanize } from '../components/format';
import { CLEAR_PAGE, clearPage } from '../components/Pager';
import { useAsync } from '../components/useAsync';
import { usePageTitle } from '../components/usePageTitle';
import { Link, setQuery, useLocation } from '../router';
import { useSession } from '../session';
import { AchievementsTab } from './customer/AchievementsTab';
import { AudiencesTab } from './customer/AudiencesTab';
import { BlockActions } from './customer/Blocking';
import { BudgetsTab } from './customer/BudgetsTab';
import { CouponsTab } from './customer/CouponsTab';
import { CARDS_PAGE, LoyaltyCardsTab } from './customer/LoyaltyCardsTab';
import { LoyaltyTab } from './customer/LoyaltyTab';
import { PrivacyTab } from './customer/PrivacyTab';
import { ProfileTab } from './customer/ProfileTab';
import { CODES_PAGE, ReferralsTab } from './customer/ReferralsTab';
import { SessionsTab } from './customer/SessionsTab';
import { TimelineTab } from './customer/TimelineTab';
import { Fact } from './customer/Fact';
import { displayName, type CustomerDetail } from './customer/util';

const TABS = [
  { key: 'profile', label: 'Profile' },
  { key: 'timeline', label: 'Timeline' },
  { key: 'sessions', label: 'Sessions' },
  { key: 'coupons', label: 'Coupons' },
  { key: 'referrals', label: 'Referrals' },
  { key: 'cards', label: 'Loyalty cards' },
  { key: 'loyalty', label: 'Loyalty' },
  { key: 'achievements', label: 'Achievements' },
  { key: 'budgets', label: 'Budgets' },
  { key: 'audiences', label: 'Audiences' },
  { key: 'privacy', label: 'Privacy' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

const tabId = (k: TabKey) => `customer-tab-${k}`;
const panelId = (k: TabKey) => `customer-panel-${k}`;

/** The tab the URL names; Profile when none (or an unknown one). */
function tabFrom(search: string): TabKey {
  const t = new URLSearchParams(search).get('tab');
  return TABS.find((x) => x.key === t)?.key ?? 'profile';
}

/** Select a tab: in the URL (a click adds a history entry; arrow keys replace it). Other tab state goes. */
function selectTab(k: TabKey, replace: boolean) {
  setQuery(
    { tab: k === 'profile' ? null : k, program: null, ledger: null, ...CLEAR_PAGE, ...clearPage(CODES_PAGE), ...clearPage(CARDS_PAGE) },
    { replace },
  );
}

export default function CustomerDetailPage({ id }: { id: string }) {
  const loc = useLocation();
  const tab = tabFrom(loc.search);
  const { session } = useSession();
  const loaded = useAsync(
    (signal) => api.get('/consumers/{id}', { path: { id }, query: { include: 'audiences' }, signal }),
    [id],
  );
  const [consumer, setConsumer] = useState<CustomerDetail | null>(null);
  useEffect(() => {
    if (loaded.data) setConsumer(loaded.data as CustomerDetail);
  }, [loaded.data]);

  usePageTitle(consumer ? displayName(consumer) : 'Customer');

  /** A write answered the consumer as it is now (without its audiences: those stay as they were). */
  function updated(c: CustomerDetail) {
    setConsumer((prev) => ({ ...c, audiences: c.audiences ?? prev?.audiences }));
  }

  function onTabKey(e: KeyboardEvent) {
    const i = TABS.findIndex((t) => t.key === tab);
    const last = TABS.length - 1;
    const next =
      e.key === 'ArrowRight' ? (i === last ? 0 : i + 1)
      : e.key === 'ArrowLeft' ? (i === 0 ? last : i - 1)
      : e.key === 'Home' ? 0
      : e.key === 'End' ? last
      : -1;
    const to = TABS[next];
    if (!to) return;
    e.preventDefault();
    selectTab(to.key, true);
    document.getElementById(tabId(to.key))?.focus();
  }

  const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;

  if (!consumer) {
    return (
      <section class="page customer-detail">
        <p>
          <Link href="/app/customers">← Customers</Link>
        </p>
        <header class="page-head">
          <h1>{notFound ? 'Customer not found' : 'Customer'}</h1>
        </header>
        {notFound ? (
          <p>No customer has the id {id} in this environment. It may have been erased.</p>
        ) : loaded.error ? (
          <ErrorMessage error={loaded.error}>
            <button type="button" onClick={loaded.reload}>
              Try again
            </button>
          </ErrorMessage>
        ) : (
          <p class="muted" role="status">
            Loading the customer…
          </p>
        )}
      </section>
    );
  }

  const live = session?.environment === 'live';
  return (
    <section class="page customer-detail">
      <p>
        <Link href="/app/customers">← Customers</Link>
      </p>
      <header class="page-head customer-head">
        <div class="customer-title">
          <h1>{displayName(consumer)}</h1>
          <BlockActions consumer={consumer} onChanged={updated} />
        </div>
        <div class="customer-facts">
          <Fact label="Status">
            <span class={`badge ${consumer.status === 'active' ? 'badge-ok' : 'badge-off'}`}>{humanize(consumer.status)}</span>
            {consumer.blocked && <> <span class="badge badge-bad">Blocked</span></>}
          </Fact>
          {consumer.blocked && (
            <Fact label="Blocked" class="fact-note">
              {consumer.blockedAt && (
                <>
                  <time dateTime={consumer.blockedAt} title={formatDateTime(consumer.blockedAt)}>
                    Since {formatDate(consumer.blockedAt)}
                  </time>
                  {' · '}
                </>
              )}
              {consumer.blockedReason || 'No reason given'}
            </Fact>
          )}
          <Fact label="Membership">
            <span class={`badge ${consumer.membership === 'member' ? 'badge-info' : 'badge-off'}`}>
              {consumer.membership === 'member' ? 'Member' : 'Guest'}
            </span>
            {consumer.membership === 'member' && consumer.memberSince && (
              <span class="muted small"> since {formatDate(consumer.memberSince)}</span>
            )}
          </Fact>
          <Fact label="Verified">
            <span class={`badge ${consumer.verified ? 'badge-ok' : 'badge-warn'}`}>
              {consumer.verified ? 'Verified' : 'Not verified'}
            </span>
          </Fact>
          <Fact label="Created">
            <time dateTime={consumer.createdAt} title={formatDateTime(consumer.createdAt)}>
              {formatDate(consumer.createdAt)}
            </time>
          </Fact>
          <Fact label="Environment">
            <span class={`env-badge ${live ? 'env-live' : 'env-sandbox'}`}>{live ? 'Live' : 'Sandbox'}</span>
          </Fact>
          <Fact label="Klaviyo sync">
            <SyncStatus c={consumer} />
          </Fact>
        </div>
      </header>

      <div class="tabs" role="tablist" aria-label="Customer sections">
        {TABS.map((t) => {
          const selected = t.key === tab;
          return (
            <button
              key={t.key}
              type="button"
              role="tab"
              id={tabId(t.key)}
              class="tab"
              aria-selected={selected}
              aria-controls={panelId(t.key)}
              tabIndex={selected ? 0 : -1}
              onClick={() => !selected && selectTab(t.key, false)}
              onKeyDown={onTabKey}
            >
              {t.label}
            </button>
          );
        })}
      </div>
      {TABS.map((t) => (
        <div
          key={t.key}
          role="tabpanel"
          id={panelId(t.key)}
          aria-labelledby={tabId(t.key)}
          class="tabpanel"
          hidden={t.key !== tab}
          tabIndex={0}
        >
          {t.key === tab && (
            <>
              {t.key === 'profile' && <ProfileTab consumer={consumer} onSaved={updated} onReload={loaded.reload} />}
              {t.key === 'timeline' && <TimelineTab consumer={consumer} />}
              {t.key === 'sessions' && <SessionsTab consumer={consumer} onChanged={loaded.reload} />}
              {t.key === 'coupons' && <CouponsTab consumer={consumer} />}
              {t.key === 'referrals' && <ReferralsTab consumer={consumer} />}
              {t.key === 'cards' && <LoyaltyCardsTab consumer={consumer} />}
              {t.key === 'loyalty' && <LoyaltyTab consumer={consumer} onChanged={loaded.reload} />}
              {t.key === 'achievements' && <AchievementsTab consumer={consumer} />}
              {t.key === 'budgets' && <BudgetsTab consumer={consumer} />}
              {t.key === 'audiences' && <AudiencesTab consumer={consumer} onChanged={loaded.reload} />}
              {t.key === 'privacy' && <PrivacyTab consumer={consumer} />}
            </>
          )}
        </div>
      ))}
    </section>
  );
}

function SyncStatus({ c }: { c: CustomerDetail }) {
  const s = c.syncStatus;
  const cls = s === 'synced' ? 'badge-ok' : s === 'error' ? 'badge-bad' : s === 'syncing' ? 'badge-info' : 'badge-off';
  return (
    <>
      <span class={`badge ${cls}`}>{humanize(s)}</span>
      {s === 'synced' && c.syncedAt && <span class="muted small"> {formatDateTime(c.syncedAt)}</span>}
      {s === 'error' && c.syncError && <span class="small"> {c.syncError}</span>}
    </>
  );
}
