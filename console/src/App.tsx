// Routes: /app/sign-in, /app/customers, /app/customers/:id, /app/duplicates, /app/audiences, /app/imports,
// /app/exports, /app/integrations, /app/webhooks, /app/webhooks/:id, /app/loyalty-programs; /app → /app/customers.
// (Logical paths: on API Gateway's default endpoint the browser shows them under /<stage>, see prefix.ts.)
import { useEffect, useRef } from 'preact/hooks';
import { Layout } from './Layout';
import AudiencesPage from './pages/Audiences';
import CustomerDetailPage from './pages/CustomerDetail';
import CustomersPage from './pages/Customers';
import DuplicatesPage from './pages/Duplicates';
import ExportsPage from './pages/Exports';
import ImportsPage from './pages/Imports';
import IntegrationsPage from './pages/Integrations';
import LoyaltyProgramsPage from './pages/LoyaltyPrograms';
import NotFoundPage from './pages/NotFound';
import SignInPage from './pages/SignIn';
import EndpointDetailPage from './pages/webhooks/EndpointDetail';
import WebhooksPage from './pages/Webhooks';
import { focusPage, match, navigate, useLocation } from './router';
import { SessionProvider, useSession } from './session';

const HOME = '/app/customers';
const SIGN_IN = '/app/sign-in';

function Page({ path }: { path: string }) {
  if (path === HOME) return <CustomersPage />;
  const customer = match('/app/customers/:id', path);
  // Keyed by id: another customer's page (a referred customer's link) starts afresh, nothing of this one kept.
  if (customer) return <CustomerDetailPage key={customer.id} id={customer.id ?? ''} />;
  const endpoint = match('/app/webhooks/:id', path);
  if (endpoint) return <EndpointDetailPage key={endpoint.id} id={endpoint.id ?? ''} />;
  switch (path) {
    case '/app/audiences':
      return <AudiencesPage />;
    case '/app/duplicates':
      return <DuplicatesPage />;
    case '/app/imports':
      return <ImportsPage />;
    case '/app/exports':
      return <ExportsPage />;
    case '/app/integrations':
      return <IntegrationsPage />;
    case '/app/webhooks':
      return <WebhooksPage />;
    case '/app/loyalty-programs':
      return <LoyaltyProgramsPage />;
    default:
      return <NotFoundPage />;
  }
}

/** Where to go after signing in: the `next` query (a console path only), else Customers. */
function nextTarget(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && /^\/app\/[\w-]/.test(next) && !next.startsWith(SIGN_IN) ? next : HOME;
}

function Routes() {
  const { state } = useSession();
  const loc = useLocation();
  const { path } = loc;
  const onSignIn = path === SIGN_IN;
  const redirect = path === '/app' || path === '/';

  useEffect(() => {
    if (redirect) navigate(HOME, { replace: true });
    else if (state.status === 'signed-out' && !onSignIn) {
      navigate(`${SIGN_IN}?next=${encodeURIComponent(path + loc.search)}`, { replace: true });
    } else if (state.status === 'signed-in' && onSignIn) navigate(nextTarget(loc.search), { replace: true });
  }, [state.status, path, onSignIn, redirect, loc.search]);

  // The page shown (null while loading or about to redirect). When it changes, except to the first
  // page shown after the console loaded, focus goes to it: a link, Back, signing in, a session ending.
  const inside = state.status === 'signed-in' || state.status === 'resuming';
  const shown = inside ? (onSignIn || redirect ? null : path) : state.status === 'signed-out' && onSignIn ? path : null;
  const lastShown = useRef<string | null>(null);
  useEffect(() => {
    if (shown === null) return;
    const before = lastShown.current;
    lastShown.current = shown;
    if (before !== null && before !== shown) focusPage();
  }, [shown]);

  if (state.status === 'loading' || (state.status === 'resuming' && onSignIn)) {
    return (
      <p class="boot" role="status">
        Loading…
      </p>
    );
  }
  if (state.status === 'signed-out') {
    return onSignIn ? (
      <SignInPage notice={state.reason} onSignedIn={() => navigate(nextTarget(loc.search), { replace: true })} />
    ) : null;
  }
  if (onSignIn || redirect) return null;
  return (
    <Layout path={path}>
      <Page key={path} path={path} />
    </Layout>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Routes />
    </SessionProvider>
  );
}
