// A dialog form's plumbing: its submit state (useFormSubmit), its error (FormError) and its footer (FormActions).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, idempotencyKey } from '../api/client';
import { useWriteGuard } from '../session';
import { ErrorMessage } from './Alert';

type Messages = Record<string, string>;

export interface FormSubmit {
  /** True from run() until its call fails (a form that succeeded is about to close: it stays busy). */
  busy: boolean;
  /** The failed call's error (null: none). */
  error: unknown;
  /** The form's own messages, from check(). */
  invalid: Messages;
  setInvalid: (update: Messages | ((cur: Messages) => Messages)) => void;
  /** Messages beside the fields: the form's own, or the API's field errors (exact names) after a failed call. */
  errors: Messages;
  /** Drops the messages beside the fields (the error itself stays). */
  clearErrors: () => void;
  /** This form's Idempotency-Key: the same for every try, so a retry is not a second write. */
  key: string;
  /** Shows the form's own messages; true when there are none (go on). */
  check: (invalid: Messages) => boolean;
  /** Runs the call (`signal` aborts when the form goes away); a failure shows its error and field errors. */
  run: (work: (signal: AbortSignal) => Promise<void>) => Promise<void>;
}

/** A form that makes one call on submit: `if (!form.check(bad)) return; await form.run(async () => …)`. */
export function useFormSubmit(): FormSubmit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<Messages>({});
  const [apiErrors, setApiErrors] = useState<Messages>({});
  const [key] = useState(idempotencyKey);
  const ctl = useRef<AbortController | null>(null);
  if (!ctl.current) ctl.current = new AbortController();
  useEffect(() => () => ctl.current?.abort(), []);

  function check(found: Messages): boolean {
    setInvalid(found);
    setApiErrors({});
    setError(null);
    return Object.keys(found).length === 0;
  }

  async function run(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const signal = (ctl.current as AbortController).signal;
    setBusy(true);
    setInvalid({});
    setApiErrors({});
    setError(null);
    try {
      await work(signal);
    } catch (e) {
      if (signal.aborted) return;
      setBusy(false);
      if (e instanceof ApiError) setApiErrors(e.fieldErrors);
      setError(e);
    }
  }

  return {
    busy,
    error,
    invalid,
    setInvalid,
    errors: { ...apiErrors, ...invalid },
    clearErrors: () => {
      setInvalid({});
      setApiErrors({});
    },
    key,
    check,
    run,
  };
}

/** A form's error (role=alert), with "Check the fields marked below." when `errors` mark some of `fields`. */
export function FormError({ error, fields, errors }: { error: unknown; fields: readonly string[]; errors: Messages }) {
  const marked = Object.keys(errors).some((f) => fields.includes(f));
  return (
    <ErrorMessage error={error} fields={fields}>
      {marked && <p>Check the fields marked below.</p>}
    </ErrorMessage>
  );
}

/** A form's footer: "Cancel" (or `cancel`, e.g. "Stop") and its write-guarded submit button labelled by `children`. */
export function FormActions({
  onCancel,
  cancel,
  cancelDisabled,
  disabled = false,
  danger = false,
  onClick,
  children,
}: {
  onCancel?: () => void;
  /** In place of the "Cancel" button. */
  cancel?: ComponentChildren;
  cancelDisabled?: boolean;
  /** Disables the submit button (busy, or not ready); a read-only key disables it too. */
  disabled?: boolean;
  /** A red button (erase, delete). */
  danger?: boolean;
  /** Outside a <form>: the button's action (a plain button, not a submit one). */
  onClick?: () => void;
  children: ComponentChildren;
}) {
  const guard = useWriteGuard();
  return (
    <div class="actions">
      {cancel ?? (
        <button type="button" onClick={onCancel} disabled={cancelDisabled}>
          Cancel
        </button>
      )}
      <button
        type={onClick ? 'button' : 'submit'}
        class={danger ? 'button-danger' : 'button-primary'}
        onClick={onClick}
        {...guard(disabled)}
      >
        {children}
      </button>
    </div>
  );
}
