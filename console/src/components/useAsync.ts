// Load data for a page: re-runs when `deps` change, aborts the stale request, offers reload().
//
// The data belongs to the deps it was loaded for: when they change, `data` is null (and `loading`
// true) until the new load answers, so nothing from the old inputs (a page of another filter, sort
// or customer) is shown or acted on. Only reload() (same deps) keeps the current data meanwhile.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  /** The answer for the current deps (null while their first load runs, or when it failed). */
  data: T | null;
  error: unknown;
  loading: boolean;
  /** Run the loader again (keeps the current data shown meanwhile). */
  reload: () => void;
}

interface Settled<T> {
  /** The deps generation and reload count the answer is for. */
  gen: number;
  tick: number;
  data: T | null;
  error: unknown;
}

const sameDeps = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const loadRef = useRef(load);
  loadRef.current = load;
  // A generation number per distinct deps, bumped during render so a change is seen at once.
  const gens = useRef({ deps, gen: 0 });
  if (!sameDeps(gens.current.deps, deps)) gens.current = { deps, gen: gens.current.gen + 1 };
  const gen = gens.current.gen;
  const [tick, setTick] = useState(0);
  const [settled, setSettled] = useState<Settled<T> | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    loadRef
      .current(ctl.signal)
      .then((data) => {
        if (!ctl.signal.aborted) setSettled({ gen, tick, data, error: null });
      })
      .catch((error: unknown) => {
        if (ctl.signal.aborted) return;
        // A failed reload keeps the data of the same deps (shown with the error); other data goes.
        setSettled((prev) => ({ gen, tick, data: prev && prev.gen === gen ? prev.data : null, error }));
      });
    return () => ctl.abort();
  }, [gen, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const mine = settled && settled.gen === gen ? settled : null;
  return {
    data: mine ? mine.data : null,
    error: mine ? mine.error : null,
    loading: !mine || mine.tick !== tick,
    reload,
  };
}
