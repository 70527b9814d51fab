// Helpers shared by the admin pages (Imports, Exports, Integrations): a link that fetches a fresh
// download URL, and key figures. (Paging: components/Pager; job status and polling: components/jobs.)
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A link to a short-lived download URL. `href` is a browser URL (a console one: toUrl) that works
 * when opened in a new tab; a plain click fetches a fresh URL (`fresh()`) and goes there, so a URL that expired while
 * the page stayed open is never used.
 */
export function DownloadLink({
  href,
  fresh,
  onError,
  class: cls,
  children,
}: {
  href: string;
  fresh: () => Promise<string | null | undefined>;
  onError: (e: unknown) => void;
  class?: string;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <a
      href={href}
      class={cls}
      aria-busy={busy || undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        if (busy) return;
        setBusy(true);
        fresh()
          .then((url) => {
            if (url) window.location.assign(url);
            else onError(new Error('The file is not ready to download.'));
          })
          .catch(onError)
          .finally(() => setBusy(false));
      }}
    >
      {children}
    </a>
  );
}

/** Key figures as a description list: [label, value] pairs. */
export function Figures({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="figures admin-figures">
      {items.map(([k, v]) => (
        <div class="figure" key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
