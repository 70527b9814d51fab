// The signed-in session: POST/GET/DELETE /app/session, kept in memory (a context).
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, request, setCsrfToken, setUnauthorizedHandler } from './api/client';
import { toUrl } from './prefix';

export interface SessionInfo {
  organization: string;
  environment: 'sandbox' | 'live';
  scope: 'write' | 'read';
  keyHint: string;
  expiresAt: string;
}

interface SessionBody extends SessionInfo {
  csrfToken: string;
}

export type SessionState =
  | { status: 'loading' }
  // The page came with a session's CSRF token: pages load at once, while GET /app/session says who
  // is signed in (the header waits for it, and writes stay disabled until then).
  | { status: 'resuming' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'signed-in'; session: SessionInfo };

export interface SessionApi {
  state: SessionState;
  /** The session when signed in (pages under the layout can rely on it). */
  session: SessionInfo | null;
  /** False for a read-only key: write controls are disabled (see writeGuard). */
  canWrite: boolean;
  signIn(apiKey: string): Promise<void>;
  /**
   * Ends the session on the server, then loads the sign-in page afresh, so nothing of this session
   * (module state, caches, messages) outlives it. Rejects, still signed in, when the server could not
   * be told (network error, 5xx): the session may still be live.
   */
  signOut(): Promise<void>;
}

const SESSION_URL = toUrl('/app/session');
export const READ_ONLY_REASON_ID = 'read-only-reason';
export const READ_ONLY_REASON = 'Read-only key: changes are disabled';

const SessionContext = createContext<SessionApi | null>(null);

/**
 * The CSRF token the server wrote into the page when it was loaded with a session cookie
 * (functions/serve_console): the first calls need not wait for GET /app/session. Read once, then
 * taken out of the document.
 */
function embeddedToken(): string | null {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="clientele-csrf"]');
  const token = meta?.content ?? '';
  meta?.remove();
  return /^[0-9a-f]{64}$/.test(token) ? token : null;
}

const EMBEDDED_TOKEN = embeddedToken();
if (EMBEDDED_TOKEN) setCsrfToken(EMBEDDED_TOKEN);

function keep(body: SessionBody): SessionInfo {
  setCsrfToken(body.csrfToken);
  const { organization, environment, scope, keyHint, expiresAt } = body;
  return { organization, environment, scope, keyHint, expiresAt };
}

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [state, setState] = useState<SessionState>({ status: EMBEDDED_TOKEN ? 'resuming' : 'loading' });

  useEffect(() => {
    let live = true;
    request<SessionBody>('GET', SESSION_URL, undefined, { auth: false })
      .then((body) => live && setState({ status: 'signed-in', session: keep(body) }))
      .catch((e: unknown) => {
        if (!live) return;
        setCsrfToken(null);
        const reason = e instanceof ApiError && e.status !== 401 ? e.message : undefined;
        setState({ status: 'signed-out', reason });
      });
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState({ status: 'signed-out', reason: 'Your session has ended. Sign in again.' });
    });
    return () => {
      live = false;
      setUnauthorizedHandler(null);
    };
  }, []);

  const signIn = useCallback(async (apiKey: string) => {
    const body = await request<SessionBody>('POST', SESSION_URL, { apiKey }, { auth: false });
    setState({ status: 'signed-in', session: keep(body) });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await request<null>('DELETE', SESSION_URL, undefined, { auth: false });
    } catch (e) {
      // 401: the session had ended already (and the answer clears the cookie): signed out all the same.
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    setCsrfToken(null);
    // A full page load: a fresh start for every module (nothing kept in memory survives).
    window.location.assign(toUrl('/app/sign-in'));
  }, []);

  const value = useMemo<SessionApi>(() => {
    const session = state.status === 'signed-in' ? state.session : null;
    return { state, session, canWrite: session?.scope === 'write', signIn, signOut };
  }, [state, signIn, signOut]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/**
 * Props for every write control: `const guard = useWriteGuard(); <button {...guard(busy)}>`.
 * With a read-only key the control is disabled and described by the layout's visible reason.
 */
export function useWriteGuard(): (disabled?: boolean) => { disabled: boolean; 'aria-describedby'?: string } {
  const { canWrite, session } = useSession();
  return (disabled = false) => {
    if (canWrite) return { disabled };
    // Read-only: the layout shows the reason. Still resuming: disabled for a moment, nothing to say.
    return session ? { disabled: true, 'aria-describedby': READ_ONLY_REASON_ID } : { disabled: true };
  };
}
