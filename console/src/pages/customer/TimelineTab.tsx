// Timeline (seeds 002, 003): the consumer's figures, then its events newest first — purchases with
// what was bought, the checkout link and the amount; refunds and returns (with the items given back),
// cancelled orders (with the reason), points, balance, status, membership, verification and audience
// changes, blocking (with its reason) and unblocking, coupons issued (code, discount, uses; a purchase
// names the coupon it redeemed), referrals on both sides (the code, and the order that carried it),
// marketing consent changes (channel, states, how it was given).
// "Show older events" follows the cursor. Under them, the change history of the profile's fields
// (ChangeHistory.tsx).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { formatDateTime, formatMoney, formatNumber, humanize } from '../../components/format';
import { ChangeHistory } from './ChangeHistory';
import { Fact } from './Fact';
import { consentMethod } from './Consent';
import { couponValue, safeHref, signedPoints, uses, type CustomerDetail } from './util';

type TimelineEvent = Schemas['TimelineEvent'];
type Details = Record<string, unknown>;

const PAGE = 20;

const TITLES: Record<TimelineEvent['type'], string> = {
  order_placed: 'Purchase',
  order_refunded: 'Refund',
  order_cancelled: 'Order cancelled',
  balance_adjusted: 'Balance adjusted',
  points_added: 'Points added',
  points_deducted: 'Points deducted',
  status_changed: 'Status changed',
  membership_changed: 'Membership changed',
  verified_changed: 'Verification changed',
  audience_joined: 'Joined an audience',
  audience_left: 'Left an audience',
  blocked: 'Blocked',
  unblocked: 'Unblocked',
  coupon_issued: 'Coupon issued',
  card_linked: 'Loyalty card linked',
  card_unlinked: 'Loyalty card unlinked',
  referred: 'Came with a referral code',
  referral_recorded: 'Referred someone',
  achievement_completed: 'Achievement completed',
  consent_changed: 'Marketing consent changed',
  profile_merged: 'Merged with a duplicate',
};

const num = (v: unknown): number | null =>
  typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : null;
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The environment's currency as its events show it (the consumer itself carries none). */
function currencyOf(events: TimelineEvent[]): string | null {
  for (const e of events) {
    const c = str(e.details.currency);
    if (c) return c;
  }
  return null;
}

export function TimelineTab({ consumer }: { consumer: CustomerDetail }) {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [currency, setCurrency] = useState<string | null>(null);

  // One AbortController per list generation: a reset (another consumer or version) aborts every
  // request of the old list, so none of its pages can be added to the new one.
  const generation = useRef<AbortController | null>(null);

  async function load(after: string | null) {
    const signal = generation.current?.signal;
    if (!signal || signal.aborted) return;
    setLoading(true);
    setError(null);
    try {
      const page = await api.get('/consumers/{id}/timeline', {
        path: { id: consumer.id },
        query: { first: PAGE, after },
        signal,
      });
      if (signal.aborted) return;
      setEvents((prev) => (after ? [...prev, ...page.data] : page.data));
      setCursor(page.pageInfo.endCursor);
      setMore(page.pageInfo.hasNextPage && !!page.pageInfo.endCursor);
      setCurrency((c) => c ?? currencyOf(page.data));
    } catch (e) {
      if (!signal.aborted) setError(e);
    } finally {
      if (!signal.aborted) setLoading(false);
    }
  }

  useEffect(() => {
    const ctl = new AbortController();
    generation.current = ctl;
    void load(null);
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [consumer.id, consumer.version]);

  // A consumer with orders whose first page of events has none: the currency from its newest order.
  useEffect(() => {
    if (currency || loading || consumer.totalOrders === 0) return;
    const ctl = new AbortController();
    api
      .get('/consumers/{id}/orders', { path: { id: consumer.id }, query: { first: 1 }, signal: ctl.signal })
      .then((p) => setCurrency(p.data[0]?.currency ?? null))
      .catch(() => undefined);
    return () => ctl.abort();
  }, [currency, loading, consumer.id, consumer.totalOrders]);

  const c = consumer;
  const money = (n: number | null | undefined) => formatMoney(n, currency);
  return (
    <div class="timeline-tab">
      <h2 class="tab-title">Figures</h2>
      <div class="detail-figures">
        <Figure label="Amount spent" value={money(c.totalOrderValue)} />
        <Figure label="Orders" value={formatNumber(c.totalOrders)} />
        <Figure label="Average order value" value={money(c.averageOrderValue)} />
        <Figure label="Balance" value={money(c.balance)} />
        <Figure label="Net revenue" value={money(c.netRevenue)} />
        <Figure label="Accrued discounts" value={money(c.accruedDiscounts)} />
        <Figure label="Discounted orders" value={formatNumber(c.discountedOrders)} />
        <Figure label="Undiscounted orders" value={formatNumber(c.undiscountedOrders)} />
      </div>
      <p class="muted small">
        Amount spent is the orders’ value before discounts, less refunds; net revenue is what was paid after discounts.
        {c.lastOrderAt ? ` Last order ${formatDateTime(c.lastOrderAt)}.` : ''}
      </p>

      <h2 class="tab-title">Events</h2>
      <ErrorMessage error={error}>
        <button type="button" onClick={() => void load(events.length ? cursor : null)}>
          Try again
        </button>
      </ErrorMessage>
      {events.length === 0 && !loading && !error && <p class="muted">Nothing has happened to this customer yet.</p>}
      {events.length > 0 && (
        <ol class="timeline" aria-label="Events, newest first">
          {events.map((e) => (
            <Event key={e.id} e={e} currency={currency} />
          ))}
        </ol>
      )}
      <p class="muted small" role="status">
        {loading ? 'Loading events…' : events.length ? `${formatNumber(events.length)} shown` : ''}
      </p>
      {more && (
        <button type="button" disabled={loading} onClick={() => void load(cursor)}>
          Show older events
        </button>
      )}
      <ChangeHistory consumer={consumer} />
    </div>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Fact label={label}>
      {value}
    </Fact>
  );
}

function Event({ e, currency }: { e: TimelineEvent; currency: string | null }) {
  const d = e.details as Details;
  const cur = str(d.currency) ?? currency;
  return (
    <li class={`event event-${e.type}`}>
      <div class="event-head">
        <strong>
          {d.kind === 'sign_up'
            ? 'Sign-up points'
            : d.kind === 'referral'
              ? 'Referral points'
              : e.type === 'order_refunded' && Array.isArray(d.items)
              ? 'Return'
              : (TITLES[e.type] ?? humanize(e.type))}
        </strong>
        <time class="muted small" dateTime={e.occurredAt}>
          {formatDateTime(e.occurredAt)}
        </time>
      </div>
      <EventBody type={e.type} d={d} currency={cur} />
    </li>
  );
}

function EventBody({ type, d, currency }: { type: TimelineEvent['type']; d: Details; currency: string | null }) {
  const money = (v: unknown) => formatMoney(num(v), currency);
  switch (type) {
    case 'order_placed': {
      const items = Array.isArray(d.items) ? (d.items as Details[]) : [];
      const href = safeHref(d.checkoutUrl);
      const discount = num(d.discountAmount);
      const paid = num(d.netAmount) ?? num(d.amount);
      return (
        <div class="event-body">
          <p>
            <span class="event-amount">{formatMoney(paid, currency)}</span>
            {discount ? <span class="muted"> (value {money(d.amount)}, discount {money(discount)})</span> : null}
            {str(d.channel) && <span class="muted"> · {humanize(str(d.channel))}</span>}
            {str(d.couponCode) && <span class="muted"> · Coupon {str(d.couponCode)}</span>}
            {str(d.orderId) && <span class="muted small"> · Order {str(d.orderId)}</span>}
          </p>
          {items.length > 0 && (
            <ul class="event-items" aria-label="Items bought">
              {items.map((it, i) => (
                <li key={i}>
                  {formatNumber(num(it.quantity) ?? 1)} × {str(it.name) ?? str(it.sku) ?? 'Item'}
                  {str(it.sku) && str(it.name) && <span class="muted small"> ({str(it.sku)})</span>}
                  <span class="muted"> at {money(it.unitPrice)}</span>
                </li>
              ))}
            </ul>
          )}
          {href && (
            <p>
              <a href={href} target="_blank" rel="noopener noreferrer">
                Checkout link
                {str(d.orderId) && <span class="sr-only"> for order {str(d.orderId)}</span>}
              </a>
            </p>
          )}
        </div>
      );
    }
    case 'order_refunded': {
      // A return lists the items given back (position, quantity and the line's name).
      const items = Array.isArray(d.items) ? (d.items as Details[]) : [];
      return (
        <div class="event-body">
          <p>
            <span class="event-amount">{money(d.amount)}</span> refunded
            {str(d.reason) && <span> · {str(d.reason)}</span>}
            {str(d.orderId) && <span class="muted small"> · Order {str(d.orderId)}</span>}
          </p>
          {items.length > 0 && (
            <ul class="event-items" aria-label="Items returned">
              {items.map((it, i) => (
                <li key={i}>
                  {formatNumber(num(it.quantity) ?? 1)} × {str(it.name) ?? `Line ${(num(it.position) ?? 0) + 1}`}
                </li>
              ))}
            </ul>
          )}
        </div>
      );
    }
    case 'order_cancelled':
      return (
        <p class="event-body">
          {str(d.reason) ?? <span class="muted">No reason given</span>}
          {str(d.orderId) && <span class="muted small"> · Order {str(d.orderId)}</span>}
        </p>
      );
    case 'balance_adjusted': {
      const amount = num(d.amount);
      return (
        <p class="event-body">
          <span class="event-amount">
            {amount !== null && amount > 0 ? '+' : ''}
            {money(amount)}
          </span>
          {str(d.reason) && <span> · {str(d.reason)}</span>}
        </p>
      );
    }
    case 'points_added':
    case 'points_deducted': {
      const pts = num(d.points) ?? 0;
      return (
        <p class="event-body">
          <span class="event-amount">{signedPoints(pts)} points</span>
          {str(d.ledger) && <span class="muted"> · ledger {str(d.ledger)}</span>}
          {str(d.reason) && <span> · {str(d.reason)}</span>}
        </p>
      );
    }
    case 'status_changed':
    case 'membership_changed':
      return (
        <p class="event-body">
          {humanize(str(d.from))} → {humanize(str(d.to))}
        </p>
      );
    case 'verified_changed':
      return <p class="event-body">{d.to ? 'Verified' : 'No longer verified'}</p>;
    case 'audience_joined':
    case 'audience_left':
      return <p class="event-body">{str(d.audienceName) ?? str(d.audienceId) ?? 'An audience'}</p>;
    case 'achievement_completed':
      return <p class="event-body">{str(d.name) ?? str(d.key) ?? 'An achievement'}</p>;
    case 'profile_merged':
      return (
        <p class="event-body">
          {str(d.fullName) ?? str(d.email) ?? str(d.mergedId)}
          {str(d.email) && str(d.fullName) && <span class="muted"> · {str(d.email)}</span>} was merged into this
          customer; its old id leads here.
        </p>
      );
    case 'consent_changed':
      return (
        <p class="event-body">
          {str(d.channel) === 'sms' ? 'SMS' : 'Email'}: {humanize(str(d.from))} → {humanize(str(d.to))}
          {str(d.method) && <span class="muted"> · {consentMethod(str(d.method))}</span>}
        </p>
      );
    case 'blocked':
      return <p class="event-body">{str(d.reason) ?? <span class="muted">No reason given</span>}</p>;
    case 'unblocked':
      return <p class="event-body">Earns and redeems points again</p>;
    case 'coupon_issued': {
      const value = num(d.value);
      const limit = num(d.usageLimit);
      const parts = [str(d.code), value === null ? null : couponValue(d.type, value, currency), limit === null ? null : uses(limit)];
      return <p class="event-body">{parts.filter(Boolean).join(' · ')}</p>;
    }
    case 'card_linked':
    case 'card_unlinked':
      return <p class="event-body">Card {str(d.code) ?? 'unknown'}</p>;
    case 'referred':
    case 'referral_recorded': {
      // The code only: the events never name the other person (erasing one leaves nothing of it here).
      const order = str(d.orderId);
      const code = str(d.code) ?? 'a referral code';
      const text =
        type === 'referred'
          ? `Came with code ${code}`
          : `Someone ${order ? 'ordered' : 'joined'} with code ${code}`;
      return (
        <p class="event-body">
          {text}
          {order && <span class="muted small"> · Order {order}</span>}
        </p>
      );
    }
    default:
      return null;
  }
}
