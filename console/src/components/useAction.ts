// A call made in place (a row's "Remove", a "Leave", a download): busy while it runs, and its error.
import { useState } from 'preact/hooks';

/** `act(work)`: busy until `work` ends; its failure is `error` (cleared at the next act). */
export function useAction(): { busy: boolean; error: unknown; act: (work: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function act(work: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, act };
}
