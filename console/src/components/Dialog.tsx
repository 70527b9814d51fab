// A modal dialog on the native <dialog> (focus trap, Escape, top layer and role come with it).
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface DialogProps {
  open: boolean;
  /** The heading, also the dialog's accessible name. */
  title: string;
  /** Called on Escape, the "Close" button, or dialog.close(). */
  onClose: () => void;
  children: ComponentChildren;
  /** "wide" for dialogs with tables. */
  size?: 'normal' | 'wide';
}

export function Dialog({ open, title, onClose, children, size = 'normal' }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const onCloseEvent = () => closeRef.current();
    d.addEventListener('close', onCloseEvent);
    return () => d.removeEventListener('close', onCloseEvent);
  }, []);

  return (
    <dialog ref={ref} aria-labelledby={titleId} class={`dialog dialog-${size}`}>
      {open && (
        <>
          <header class="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" class="icon-button" aria-label="Close" onClick={() => ref.current?.close()}>
              <span aria-hidden="true">×</span>
            </button>
          </header>
          <div class="dialog-body">{children}</div>
        </>
      )}
    </dialog>
  );
}
