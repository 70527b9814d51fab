// A labelled form control with its error beside it (aria-invalid + aria-describedby).
import type { ComponentChildren, InputHTMLAttributes, PartialInputHTMLAttributes, PartialSelectHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

export interface ControlProps {
  id: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}

interface FieldProps {
  label: string;
  /** The API's (or the form's) message for this field. */
  error?: string | null;
  /** A short help text under the control. */
  hint?: string;
  class?: string;
  /** Announce the error as it appears (role=alert), for a form's only field. */
  alert?: boolean;
  /** Renders the control with the ids it needs: `{(p) => <input {...p} />}`. */
  children: (props: ControlProps) => ComponentChildren;
}

export function Field({ label, error, hint, class: cls, alert, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-error` : undefined;
  const describedBy = [errId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${cls ? ` ${cls}` : ''}${error ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={errId} role={alert ? 'alert' : undefined}>
          {error}
        </p>
      )}
    </div>
  );
}

type InputProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'role' | 'type'> & {
  type?: 'text' | 'email' | 'tel' | 'password' | 'date' | 'datetime-local' | 'number' | 'search' | 'url';
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: string | null;
  hint?: string;
  alert?: boolean;
};

/** A labelled text-like <input> (type text, email, tel, password, date, number…). */
export function TextField({ label, value, onValue, error, hint, alert, class: cls, type = 'text', ...rest }: InputProps) {
  return (
    <Field label={label} error={error} hint={hint} alert={alert} class={cls as string | undefined}>
      {(p) => {
        const attrs = { ...rest, ...p, type } as InputHTMLAttributes<HTMLInputElement>;
        return <input {...attrs} value={value} onInput={(e) => onValue(e.currentTarget.value)} />;
      }}
    </Field>
  );
}

export interface Option {
  value: string;
  label: string;
}

type SelectProps = Omit<PartialSelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'role'> & {
  label: string;
  value: string;
  onValue: (v: string) => void;
  options: readonly Option[];
  error?: string | null;
  hint?: string;
};

/** A labelled <select>. */
export function SelectField({ label, value, onValue, options, error, hint, class: cls, ...rest }: SelectProps) {
  return (
    <Field label={label} error={error} hint={hint} class={cls as string | undefined}>
      {(p) => (
        <select {...rest} {...p} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/**
 * A labelled on/off switch (a checkbox with role=switch) with a hint that says what the current
 * position means, and the API's error beside it.
 */
export function SwitchField({
  label,
  checked,
  onChecked,
  hint,
  error,
}: {
  label: string;
  checked: boolean;
  onChecked: (on: boolean) => void;
  hint: string;
  error?: string | null;
}) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : null, `${id}-hint`].filter(Boolean).join(' ');
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label class="check switch">
        <input
          type="checkbox"
          role="switch"
          checked={checked}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onChecked(e.currentTarget.checked)}
        />
        {label}
      </label>
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
