// Overview figures above the list (GET /consumers/stats): totals and new customers per week.
import type { ConsumerStats } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { formatDate, formatNumber } from '../../components/format';

function Figure({ label, value }: { label: string; value: number | undefined }) {
  return (
    <div class="figure">
      <dt>{label}</dt>
      <dd>{value === undefined ? '…' : formatNumber(value)}</dd>
    </div>
  );
}

function WeeklyChart({ stats }: { stats: ConsumerStats }) {
  const weeks = stats.created;
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const total = weeks.reduce((n, w) => n + w.count, 0);
  const W = 240;
  const H = 56;
  const gap = 3;
  const bw = weeks.length ? (W - gap * (weeks.length - 1)) / weeks.length : W;
  const first = weeks[0];
  const last = weeks[weeks.length - 1];
  const label =
    first && last
      ? `New customers per week, ${weeks.length} weeks from ${formatDate(first.start)}: ${formatNumber(total)} in all, ${formatNumber(last.count)} this week`
      : 'New customers per week: no data';
  return (
    <figure class="chart">
      <figcaption>
        New customers per week <span class="muted">(last {weeks.length})</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={label}>
        {weeks.map((w, i) => {
          const h = Math.max(w.count ? 2 : 1, (w.count / max) * (H - 2));
          return (
            <rect
              key={w.start}
              x={i * (bw + gap)}
              y={H - h}
              width={bw}
              height={h}
              rx={1.5}
              class={w.count ? 'bar' : 'bar bar-zero'}
            >
              <title>{`Week of ${formatDate(w.start)}: ${formatNumber(w.count)}`}</title>
            </rect>
          );
        })}
      </svg>
      <table class="sr-only">
        <caption>New customers per week</caption>
        <thead>
          <tr>
            <th scope="col">Week of</th>
            <th scope="col">New customers</th>
          </tr>
        </thead>
        <tbody>
          {weeks.map((w) => (
            <tr key={w.start}>
              <td>{formatDate(w.start)}</td>
              <td>{w.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function Overview({ stats, error }: { stats: ConsumerStats | null; error: unknown }) {
  const s = stats ?? undefined;
  return (
    <section class="overview panel" aria-labelledby="overview-title">
      <h2 id="overview-title" class="sr-only">
        Overview
      </h2>
      {error ? (
        <ErrorMessage error={error} />
      ) : (
        <>
          <dl class="figures">
            <Figure label="Total customers" value={s?.total} />
            <Figure label="Members" value={s ? (s.byMembership.member ?? 0) : undefined} />
            <Figure label="Guests" value={s ? (s.byMembership.guest ?? 0) : undefined} />
            <Figure label="Active" value={s ? (s.byStatus.active ?? 0) : undefined} />
            <Figure label="Inactive" value={s ? (s.byStatus.inactive ?? 0) : undefined} />
          </dl>
          {stats && <WeeklyChart stats={stats} />}
        </>
      )}
    </section>
  );
}
