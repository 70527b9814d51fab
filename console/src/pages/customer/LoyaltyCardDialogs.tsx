// The Loyalty cards tab's dialogs: "Link a card" (POST /loyalty-cards/{code}/consumers with the code
// typed; the API's refusals beside the code: no card has it, it is full, it is blocked or inactive) and
// the "Unlink card" confirmation (DELETE /loyalty-cards/{code}/consumers/{consumerId}).
import { useState } from 'preact/hooks';
import { api, ApiError, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions, useFormSubmit } from '../../components/Form';
import { fieldError } from './util';

export type LoyaltyCard = Schemas['LoyaltyCard'];

const CODE = /^[A-Za-z0-9_-]{3,40}$/;
/** The API's fields that are about the card the code names: shown beside the code. */
const CARD_FIELDS = ['code', 'consumerId'];

interface LinkProps {
  open: boolean;
  consumerId: string;
  onClose: () => void;
  onDone: (card: LoyaltyCard) => void;
}

export function LinkCardDialog(props: LinkProps) {
  return (
    <Dialog open={props.open} title="Link a card" onClose={props.onClose}>
      {props.open && <LinkForm {...props} />}
    </Dialog>
  );
}

/** The API's refusal as it concerns the code typed (null: another kind of error). */
function codeError(e: unknown): string | null {
  if (!(e instanceof ApiError)) return null;
  if (e.code === 'loyalty_card_not_found') return 'no loyalty card has this code';
  if (e.code === 'loyalty_card_conflict') return fieldError(e, ...CARD_FIELDS) ?? e.message;
  return fieldError(e, 'code');
}

function LinkForm({ consumerId, onClose, onDone }: LinkProps) {
  const form = useFormSubmit();
  const [code, setCode] = useState('');
  const beside = form.invalid.code ?? codeError(form.error);

  async function submit(e: Event) {
    e.preventDefault();
    const c = code.trim();
    const bad: Record<string, string> = {};
    if (!c) bad.code = 'Enter the card’s code';
    else if (!CODE.test(c)) bad.code = '3 to 40 letters, digits, “_” or “-”';
    if (!form.check(bad)) return;
    await form.run(async (signal) => {
      onDone(await api.post('/loyalty-cards/{code}/consumers', { consumerId }, { path: { code: c }, signal }));
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorMessage error={form.error} fields={beside ? CARD_FIELDS : []}>
        {beside && <p>Check the fields marked below.</p>}
      </ErrorMessage>
      <TextField
        label="Card code"
        value={code}
        onValue={setCode}
        maxLength={40}
        autoComplete="off"
        spellcheck={false}
        hint="As printed on the card; capitals or not. The card must be active and have room for another customer."
        error={beside}
      />
      <FormActions onCancel={onClose} disabled={form.busy}>
        {form.busy ? 'Linking…' : 'Link card'}
      </FormActions>
    </form>
  );
}

interface UnlinkProps {
  card: LoyaltyCard | null;
  consumerId: string;
  onClose: () => void;
  onDone: (card: LoyaltyCard) => void;
}

export function UnlinkCardDialog({ card, consumerId, onClose, onDone }: UnlinkProps) {
  return (
    <Dialog open={card !== null} title="Unlink card" onClose={onClose}>
      {card && <UnlinkConfirm key={card.code} card={card} consumerId={consumerId} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function UnlinkConfirm({ card, consumerId, onClose, onDone }: UnlinkProps & { card: LoyaltyCard }) {
  const form = useFormSubmit();
  const confirm = () =>
    form.run(async (signal) => {
      onDone(
        await api.delete('/loyalty-cards/{code}/consumers/{consumerId}', undefined, {
          path: { code: card.code, consumerId },
          signal,
        }),
      );
    });
  return (
    <div>
      <ErrorMessage error={form.error} />
      <p>
        Unlink the card <strong>{card.code}</strong> from this customer? Points by card no longer reach this customer;
        the card itself, and the points already given, are kept.
      </p>
      <FormActions onCancel={onClose} danger onClick={() => void confirm()} disabled={form.busy}>
        {form.busy ? 'Unlinking…' : 'Unlink card'}
      </FormActions>
    </div>
  );
}
