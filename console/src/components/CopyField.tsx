// A value to copy (a signing secret shown once, a webhook URL): a read-only, labelled input and a
// "Copy" button named after it ("Copy signing secret"), with a status saying it was copied.
import { useId, useRef, useState } from 'preact/hooks';

export function CopyField({ label, value, hint, secret = false }: { label: string; value: string; hint?: string; secret?: boolean }) {
  const id = useId();
  const ref = useRef<HTMLInputElement>(null);
  const [note, setNote] = useState('');

  async function copy() {
    const input = ref.current;
    try {
      await navigator.clipboard.writeText(value);
      setNote('Copied.');
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C.
      input?.focus();
      input?.select();
      setNote(document.execCommand?.('copy') ? 'Copied.' : 'Selected: press Ctrl+C (⌘C) to copy.');
    }
  }

  return (
    <div class="field copy-field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input
          ref={ref}
          id={id}
          type="text"
          readOnly
          value={value}
          spellcheck={false}
          autoComplete="off"
          class={secret ? 'secret' : undefined}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={() => void copy()}>
          Copy<span class="sr-only"> {label.toLowerCase()}</span>
        </button>
      </div>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <p class="muted small" role="status">
        {note}
      </p>
    </div>
  );
}
