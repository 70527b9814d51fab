// Messages: an error (role=alert) or a status line (role=status, polite).
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client';

/** An error from an API call (or any thrown value), with the request id for support. */
export function ErrorMessage({
  error,
  fields = [],
  children,
}: {
  error: unknown;
  /** Fields whose errors are shown beside their control (left out of the list here). */
  fields?: readonly string[];
  children?: ComponentChildren;
}) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  const rid = error instanceof ApiError ? error.requestId : null;
  const others = error instanceof ApiError ? error.otherErrors(fields) : [];
  return (
    <div class="alert alert-error" role="alert">
      <p>{msg}</p>
      {others.length > 0 && (
        <ul>
          {others.map((o) => (
            <li key={o}>{o}</li>
          ))}
        </ul>
      )}
      {children}
      {rid && <p class="muted small">Request ID: {rid}</p>}
    </div>
  );
}

/** A polite status message (success notes, progress text). Always rendered so it is announced. */
export function StatusMessage({ children }: { children?: ComponentChildren }) {
  return (
    <div class={children ? 'alert alert-ok' : 'sr-only'} role="status">
      {children}
    </div>
  );
}
