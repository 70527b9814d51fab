// A one-shot message for the next page (e.g. "The customer was erased." on the Customers list).
// Kept in memory only: a reload does not show it again, and nothing personal goes into the URL.

let pending: string | null = null;

/** Leave a message for the page navigated to next. */
export function setFlash(message: string): void {
  pending = message;
}

/** The message left for this page, once (null when none). */
export function takeFlash(): string | null {
  const message = pending;
  pending = null;
  return message;
}
