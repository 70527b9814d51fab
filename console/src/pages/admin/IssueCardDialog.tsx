// "Issue card" (POST /loyalty-programs/{id}/cards), from the Loyalty programs page: an optional code
// (none: the API draws 10 characters; kept in capitals) and how many customers may link the card (1 to
// 100, 1 by default). The API's refusals come back beside their field (a code taken, a limit out of range).
import { useState } from 'preact/hooks';
import { api, type LoyaltyProgram, type Schemas } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';
import { fieldError, namedFields } from '../customer/util';

export type LoyaltyCard = Schemas['LoyaltyCard'];

interface Props {
  program: LoyaltyProgram | null;
  onClose: () => void;
  onDone: (card: LoyaltyCard, program: LoyaltyProgram) => void;
}

const CODE = /^[A-Za-z0-9_-]{3,40}$/;
const FIELDS = ['code', 'usersPerCardLimit', 'body'];

export function IssueCardDialog(props: Props) {
  return (
    <Dialog
      open={props.program !== null}
      title={props.program ? `Issue a card of ${props.program.name}` : 'Issue card'}
      onClose={props.onClose}
    >
      {props.program && <IssueForm key={props.program.id} {...props} program={props.program} />}
    </Dialog>
  );
}

function IssueForm({ program, onClose, onDone }: Props & { program: LoyaltyProgram }) {
  const form = useFormSubmit();
  const [code, setCode] = useState('');
  const [limit, setLimit] = useState('1');
  const err = (name: string) => form.invalid[name] ?? fieldError(form.error, name);

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const c = code.trim();
    if (c && !CODE.test(c)) bad.code = '3 to 40 letters, digits, “_” or “-”';
    const l = limit.trim();
    if (!/^\d+$/.test(l)) bad.usersPerCardLimit = 'Enter a whole number from 1 to 100';
    if (!form.check(bad)) return;
    await form.run(async () => {
      const card = await api.post(
        '/loyalty-programs/{id}/cards',
        { ...(c && { code: c }), usersPerCardLimit: Number(l) },
        { path: { id: program.id }, headers: { 'Idempotency-Key': form.key } },
      );
      onDone(card, program);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <FormError error={form.error} fields={namedFields(form.error, ...FIELDS)} errors={form.errors} />
      <TextField
        label="Card code"
        value={code}
        onValue={setCode}
        maxLength={40}
        autoComplete="off"
        spellcheck={false}
        hint="Optional: left empty, a 10-character code is drawn. Letters, digits, “_” and “-”; kept in capitals."
        error={err('code')}
      />
      <TextField
        type="number"
        label="Users per card"
        min={1}
        max={100}
        step={1}
        inputMode="numeric"
        value={limit}
        onValue={setLimit}
        hint="How many customers can link this card, 1 to 100."
        error={err('usersPerCardLimit')}
      />
      <FormActions onCancel={onClose} disabled={form.busy}>
        {form.busy ? 'Issuing…' : 'Issue card'}
      </FormActions>
    </form>
  );
}
