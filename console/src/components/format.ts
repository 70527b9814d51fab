// Formatting of dates, numbers and money for tables and figures (the browser's locale).

const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const intFmt = new Intl.NumberFormat();
const moneyFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "12 Mar 2025"; '—' for none. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

/** "12 Mar 2025, 14:05"; '—' for none. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
}

/** "1,234"; '—' for none. */
export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : intFmt.format(n);
}

/**
 * An API amount (decimal in the currency's units). With a currency code: "€1,234.50";
 * without one (the consumer carries none): "1,234.50".
 */
export function formatMoney(n: number | null | undefined, currency?: string | null): string {
  if (n === null || n === undefined) return '—';
  if (currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(n);
    } catch {
      // an unknown code: fall through to the plain figure
    }
  }
  return moneyFmt.format(n);
}

/** A local calendar date (yyyy-mm-dd from <input type=date>) as the ISO instant of its local midnight. */
export function localDayStart(day: string, addDays = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** "Active" from "active", "Not synced" from "not_synced". */
export function humanize(s: string | null | undefined): string {
  if (!s) return '—';
  const t = s.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
