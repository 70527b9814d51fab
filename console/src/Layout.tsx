// The signed-in frame: header (organization, environment, Sign out), left nav, main.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorMessage } from './components/Alert';
import { Link } from './router';
import { READ_ONLY_REASON, READ_ONLY_REASON_ID, useSession } from './session';

export const NAV = [
  { href: '/app/customers', label: 'Customers' },
  { href: '/app/duplicates', label: 'Duplicates' },
  { href: '/app/audiences', label: 'Audiences' },
  { href: '/app/imports', label: 'Imports' },
  { href: '/app/exports', label: 'Exports' },
  { href: '/app/integrations', label: 'Integrations' },
  { href: '/app/webhooks', label: 'Webhooks' },
  { href: '/app/loyalty-programs', label: 'Loyalty programs' },
] as const;

export function Layout({ path, children }: { path: string; children: ComponentChildren }) {
  const { session, state, signOut } = useSession();
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<unknown>(null);
  if (!session && state.status !== 'resuming') return null;

  function onSignOut() {
    setSigningOut(true);
    setSignOutError(null);
    // Success loads the sign-in page; a failure leaves the session as it was, and says so.
    signOut().catch((e: unknown) => {
      setSigningOut(false);
      setSignOutError(e);
    });
  }

  const live = session?.environment === 'live';
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Clientele</span>
        {session ? (
          <>
            <span class={`env-badge ${live ? 'env-live' : 'env-sandbox'}`} title="Environment">
              {live ? 'Live' : 'Sandbox'}
            </span>
            <span class="org" title="Organization">
              <span class="sr-only">Organization: </span>
              {session.organization}
            </span>
          </>
        ) : (
          <span class="org muted">…</span>
        )}
        <span class="spacer" />
        {session?.scope === 'read' && (
          <span class="readonly-badge" id={READ_ONLY_REASON_ID}>
            {READ_ONLY_REASON}
          </span>
        )}
        {session && (
          <span class="key-hint muted small" title="API key">
            <span class="sr-only">Signed in with key </span>
            {session.keyHint}
          </span>
        )}
        <button type="button" class="button-quiet" disabled={signingOut} onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav class="sidenav" aria-label="Main">
        <ul>
          {NAV.map((n) => {
            const current = path === n.href || path.startsWith(`${n.href}/`);
            return (
              <li key={n.href}>
                <Link href={n.href} aria-current={current ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        {signOutError !== null && (
          <ErrorMessage error={signOutError}>
            <p>Sign-out failed: you are still signed in.</p>
          </ErrorMessage>
        )}
        {children}
      </main>
    </div>
  );
}
