// Possible duplicates on the Profile tab (GET /consumers/{id}/duplicates): the customers who are
// probably the same person as this one, strongest first, each a link with why and how sure, and
// "Not the same person" (POST /duplicates/{id}/dismiss) to keep the pair apart for good, or "Merge…"
// (MergeDialog, this customer offered as the one that stays). Keys too
// many customers share (an office phone) are named: they suggest nothing. Nothing shows when there is
// nothing to say.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { humanize } from '../../components/format';
import { useAction } from '../../components/useAction';
import { useAsync } from '../../components/useAsync';
import { Link, navigate } from '../../router';
import { useWriteGuard } from '../../session';
import { nameOf, REASONS } from '../Duplicates';
import { MergeDialog } from './MergeDialog';
import type { CustomerDetail } from './util';

/** `onNotice`: what to say in the tab's one status region once a pair is dismissed or merged;
 * `onMerged`: another customer was merged into this one (read it again). */
export function PossibleDuplicates({
  consumer,
  onNotice,
  onMerged,
}: {
  consumer: CustomerDetail;
  onNotice: (text: string | null) => void;
  onMerged: () => void;
}) {
  const [merging, setMerging] = useState<string | null>(null);
  const guard = useWriteGuard();
  const found = useAsync(
    (signal) => api.get('/consumers/{id}/duplicates', { path: { id: consumer.id }, signal }),
    [consumer.id, consumer.version],
  );
  const { busy, error, act } = useAction();
  const suggestions = found.data?.data ?? [];
  const common = found.data?.commonKeys ?? [];
  if (!suggestions.length && !common.length && !found.error) return null;

  return (
    <section aria-labelledby="duplicates-heading">
      <h3 id="duplicates-heading">Possible duplicates</h3>
      <ErrorMessage error={found.error ?? error} />
      {suggestions.length > 0 && (
        <ul class="cell-list" aria-labelledby="duplicates-heading">
          {suggestions.map((s) => {
            const other = s.consumers?.find((p) => p.id !== consumer.id);
            if (!other) return null;
            return (
              <li key={s.id}>
                <Link href={`/app/customers/${other.id}`}>{nameOf(other)}</Link>{' '}
                <span class="muted small">
                  {s.reasons.map((r) => REASONS[r] ?? r).join('; ')} · score {s.score}
                </span>{' '}
                <button
                  type="button"
                  class="button-quiet"
                  {...guard(busy)}
                  aria-label={`Not the same person as ${nameOf(other)}`}
                  onClick={() =>
                    void act(async () => {
                      await api.post('/duplicates/{id}/dismiss', undefined, { path: { id: s.id } });
                      onNotice(`Kept apart from ${nameOf(other)}.`);
                      found.reload();
                    })
                  }
                >
                  Not the same person
                </button>{' '}
                <button
                  type="button"
                  class="button-quiet"
                  {...guard(busy)}
                  aria-label={`Merge with ${nameOf(other)}`}
                  onClick={() => setMerging(other.id)}
                >
                  Merge…
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <MergeDialog
        open={merging !== null}
        ids={merging ? [consumer.id, merging] : null}
        onClose={() => setMerging(null)}
        onMerged={(survivorId, mergedName) => {
          setMerging(null);
          if (survivorId === consumer.id) {
            onNotice(`${mergedName} was merged into this customer.`);
            onMerged();
          } else {
            navigate(`/app/customers/${survivorId}`);
          }
        }}
      />
      {common.length > 0 && (
        <p class="muted small">
          Shared by too many customers to compare: {common.map((k) => humanize(k.reason)).join(', ')}.
        </p>
      )}
    </section>
  );
}
