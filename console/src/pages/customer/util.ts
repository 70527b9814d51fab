// Small helpers shared by the customer detail tabs.
import type { Audience, Consumer, Schemas } from '../../api/client';
import { ApiError } from '../../api/client';
import { formatMoney, formatNumber } from '../../components/format';

/** GET /consumers/{id}?include=audiences answers the Consumer with its audiences added. */
export type CustomerDetail = Consumer & { audiences?: Audience[] };

export type Order = Schemas['Order'];

/** What an order is called: the shop's id, else ours. */
export const orderName = (o: Order) => o.externalId ?? o.id;

/** The quantity given back of each line (by position), summed over the order's returns. */
export function returnedByLine(o: Order): number[] {
  const back = o.items.map(() => 0);
  for (const r of o.refunds) for (const it of r.items ?? []) back[it.position] = (back[it.position] ?? 0) + it.quantity;
  return back;
}

/** The name to show: full name, else first + last, else email, phone, external id or id. */
export function displayName(c: Consumer): string {
  const parts = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return c.fullName || parts || c.email || c.phone || c.externalId || c.id;
}

/**
 * The API's message for a field, including its nested fields ("address.city", "tags.0"):
 * `fieldError(e, 'start')` gives "start" and "start.amount" joined.
 */
export function fieldError(error: unknown, ...names: string[]): string | null {
  if (!(error instanceof ApiError)) return null;
  const fe = error.fieldErrors;
  const found = Object.entries(fe)
    .filter(([k]) => names.some((n) => k === n || k.startsWith(`${n}.`)))
    .map(([, m]) => m);
  return found.length ? found.join('; ') : null;
}

/** The fields an error names (for ErrorMessage's `fields`, so they are not listed twice). */
export function namedFields(error: unknown, ...prefixes: string[]): string[] {
  if (!(error instanceof ApiError)) return [];
  return Object.keys(error.fieldErrors).filter((k) => prefixes.some((p) => k === p || k.startsWith(`${p}.`)));
}

/** A URL safe to put in href: http(s) only (a stored checkout link is data, not code). */
export function safeHref(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** "+100" / "-30" for a points figure. */
export function signedPoints(n: number): string {
  const s = formatNumber(Math.abs(n));
  return n > 0 ? `+${s}` : n < 0 ? `-${s}` : '0';
}

const percentFmt = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 });

/** What a coupon takes off: "10% off", "€5.00 off" (a plain "5.00 off" when the currency is unknown). */
export function couponValue(type: unknown, value: number, currency: string | null): string {
  return `${type === 'percent' ? percentFmt.format(value / 100) : formatMoney(value, currency)} off`;
}

/** "1 use" / "3 uses". */
export const uses = (n: number) => `${formatNumber(n)} ${n === 1 ? 'use' : 'uses'}`;

/** A local <input type=datetime-local> value as an ISO instant (null when empty or invalid). */
export function localInstant(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A Date as the value of <input type=date> in local time (yyyy-mm-dd). */
export function dateInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
