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
  /**
   * While true (work under way that must not be cut off half-way), Escape and the "Close" button do
   * nothing: the dialog's own controls (e.g. "Stop") decide when it ends.
   */
  locked?: boolean;
}

const FIELD = 'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])';

export function Dialog({ open, title, onClose, children, size = 'normal', locked = false }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const lockedRef = useRef(locked);
  lockedRef.current = locked;
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      // showModal() focuses an [autofocus] control, else the first focusable one (the Close button):
      // the first form field is where the work starts.
      if (!d.querySelector('[autofocus]')) bodyRef.current?.querySelector<HTMLElement>(FIELD)?.focus();
    }
    if (!open && d.open) d.close();
  }, [open]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const onCancel = (e: Event) => {
      if (lockedRef.current) e.preventDefault();
    };
    const onCloseEvent = () => {
      // Closed while locked all the same (the browser lets a second Escape through): open it again.
      if (lockedRef.current && openRef.current && d.isConnected) {
        d.showModal();
        return;
      }
      closeRef.current();
    };
    d.addEventListener('cancel', onCancel);
    d.addEventListener('close', onCloseEvent);
    return () => {
      d.removeEventListener('cancel', onCancel);
      d.removeEventListener('close', onCloseEvent);
    };
  }, []);

  return (
    <dialog ref={ref} aria-labelledby={titleId} class={`dialog dialog-${size}`}>
      {open && (
        <>
          <header class="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button
              type="button"
              class="icon-button"
              aria-label="Close"
              disabled={locked}
              onClick={() => ref.current?.close()}
            >
              <span aria-hidden="true">×</span>
            </button>
          </header>
          <div class="dialog-body" ref={bodyRef}>
            {children}
          </div>
        </>
      )}
    </dialog>
  );
}
