// Privacy: "Download data export" (GET /consumers/{id}/data-export saved as a JSON file, made in
// the browser) and "Erase customer" (POST /consumers/{id}/erase) behind a dialog that asks for the
// customer's email typed in full; afterwards the Customers list, with a status message.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { ErrorMessage, StatusMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions, useFormSubmit } from '../../components/Form';
import { useAction } from '../../components/useAction';
import { navigate } from '../../router';
import { useWriteGuard } from '../../session';
import { setFlash } from '../../components/flash';
import type { CustomerDetail } from './util';

/** Save `data` as a pretty-printed JSON file named `name`. */
function saveJson(data: unknown, name: string) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked once the browser has taken the file.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function PrivacyTab({ consumer }: { consumer: CustomerDetail }) {
  const guard = useWriteGuard();
  const { busy, error, act } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [erasing, setErasing] = useState(false);

  function download() {
    setNotice(null);
    return act(async () => {
      const data = await api.get('/consumers/{id}/data-export', { path: { id: consumer.id } });
      saveJson(data, `customer-${consumer.id}-data-export.json`);
      setNotice('The data export was downloaded.');
    });
  }

  return (
    <div class="privacy-tab">
      <StatusMessage>{notice}</StatusMessage>
      <ErrorMessage error={error} />
      <section class="panel" aria-labelledby="privacy-export-title">
        <h2 id="privacy-export-title">Data export</h2>
        <p>
          Everything held about this customer, as one JSON file: profile, orders, loyalty summary and transactions, balance
          history, audiences and the Klaviyo sync state. Use it to answer a data subject access request.
        </p>
        <button type="button" disabled={busy} onClick={() => void download()}>
          {busy ? 'Preparing…' : 'Download data export'}
        </button>
      </section>
      <section class="panel danger-zone" aria-labelledby="privacy-erase-title">
        <h2 id="privacy-erase-title">Erase</h2>
        <p>
          Erasing removes the profile, its email, phone and external id, its audience memberships, points wallets and
          timeline. Orders, points transactions and balance adjustments keep their amounts for the books, under an anonymous
          id without personal data. A synced customer is also deleted from Klaviyo. This cannot be undone.
        </p>
        <button type="button" class="button-danger" {...guard()} onClick={() => setErasing(true)}>
          Erase customer
        </button>
      </section>
      <Dialog open={erasing} title="Erase customer" onClose={() => setErasing(false)}>
        {erasing && <EraseForm consumer={consumer} onCancel={() => setErasing(false)} />}
      </Dialog>
    </div>
  );
}

function EraseForm({ consumer, onCancel }: { consumer: CustomerDetail; onCancel: () => void }) {
  const form = useFormSubmit();
  const { busy } = form;
  const [typed, setTyped] = useState('');
  // The email confirms; a customer without one is confirmed by its id.
  const expected = consumer.email ?? consumer.id;
  const what = consumer.email ? 'email' : 'customer ID';
  const matches = typed.trim().toLowerCase() === expected.toLowerCase();

  async function erase(e: Event) {
    e.preventDefault();
    if (!matches) return;
    await form.run(async () => {
      await api.post('/consumers/{id}/erase', undefined, {
        path: { id: consumer.id },
        headers: { 'Idempotency-Key': form.key },
      });
      setFlash('The customer was erased. Their orders and points stay in the books under an anonymous id.');
      navigate('/app/customers');
    });
  }

  return (
    <form onSubmit={erase} noValidate>
      <p>
        This erases <strong>{expected}</strong> for good. Type the customer’s {what} to confirm.
      </p>
      <ErrorMessage error={form.error} />
      <TextField
        label={`Type the ${what} to confirm`}
        value={typed}
        onValue={setTyped}
        autoComplete="off"
        spellcheck={false}
        hint={typed && !matches ? `It does not match the customer’s ${what} yet.` : undefined}
      />
      <FormActions onCancel={onCancel} danger disabled={busy || !matches}>
        {busy ? 'Erasing…' : 'Erase'}
      </FormActions>
    </form>
  );
}
