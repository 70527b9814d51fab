// "Add points", "Create subledger" and "Deduct points" (seed 003).
// POST /consumers/{id}/loyalty/points takes a ledger id; a new one creates that subledger, so
// "Create subledger" is "Add points" to a ledger id typed in. Reward start: program default,
// immediate, relative or absolute; reward expiry: program default, unlimited, relative or absolute.
// A customer blocked or made inactive since the page loaded: the API's 409 shows in the dialog, and
// the page reloads the customer (onRefused), so its header and buttons say so too.
import { useState } from 'preact/hooks';
import { api, ApiError, type LoyaltyProgram, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { SelectField, TextField } from '../../components/Field';
import { FormActions, useFormSubmit, type FormSubmit } from '../../components/Form';
import { formatDateTime, formatNumber } from '../../components/format';
import { RULE_ROUNDS, RULE_UNITS } from '../../components/rules';
import { fieldError, localInstant, namedFields } from './util';

type PointsRule = Schemas['PointsRule'];
type RuleUnit = Schemas['RuleUnit'];
type RuleRound = Schemas['RuleRound'];
type LedgerBalance = Schemas['LedgerBalance'];

const LEDGER_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const REFUSALS = ['consumer_blocked', 'consumer_inactive'];

/** The call; when the API refuses points for this customer (409), `onRefused()` too, then the error. */
async function refusable<T>(call: Promise<T>, onRefused: () => void): Promise<T> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409 && REFUSALS.includes(e.code)) onRefused();
    throw e;
  }
}


/** "2 days after, end of that day" / "immediately" / "never" for a program's own rule. */
export function describeRule(rule: PointsRule, kind: 'start' | 'expiry'): string {
  switch (rule.type) {
    case 'immediate':
      return 'immediately';
    case 'unlimited':
      return 'never';
    case 'absolute':
      return `on ${formatDateTime(rule.at)}`;
    case 'relative': {
      const unit = rule.unit ?? 'days';
      const n = rule.amount ?? 0;
      const round = RULE_ROUNDS.find((r) => r.value === rule.round && r.value !== 'none');
      const from = kind === 'start' ? 'after the transaction' : 'after activation';
      const units = n === 1 ? unit.replace(/s$/, '') : unit;
      return `${formatNumber(n)} ${units} ${from}${round ? `, ${round.label.toLowerCase()}` : ''}`;
    }
    default:
      return 'the program’s default';
  }
}

interface RuleState {
  type: string;
  amount: string;
  unit: RuleUnit;
  round: RuleRound;
  at: string;
}

const DEFAULT_RULE: RuleState = { type: 'default', amount: '', unit: 'days', round: 'none', at: '' };

/** The rule to send, or a message for the form. */
function ruleOf(s: RuleState): { rule: PointsRule } | { problem: string } {
  if (s.type === 'relative') {
    const n = Number(s.amount);
    if (!Number.isInteger(n) || n < 1 || n > 100000) return { problem: 'Enter a whole number from 1 to 100,000' };
    return { rule: { type: 'relative', amount: n, unit: s.unit, round: s.round } };
  }
  if (s.type === 'absolute') {
    const at = localInstant(s.at);
    return at ? { rule: { type: 'absolute', at, unit: 'days', round: 'none' } } : { problem: 'Enter a date and time' };
  }
  return { rule: { type: s.type as PointsRule['type'], unit: 'days', round: 'none' } };
}

/**
 * "Reward start" or "Reward expiry": the choice, and its amount + unit + rounding, or its date. Its
 * messages: the form's own for `kind` (dropped on a change) or the API's for `kind` and its fields.
 */
function RuleFields({
  kind,
  state,
  onChange,
  programRule,
  form,
}: {
  kind: 'start' | 'expiry';
  state: RuleState;
  onChange: (s: RuleState) => void;
  programRule: PointsRule;
  form: FormSubmit;
}) {
  const start = kind === 'start';
  const problem = form.invalid[kind] ?? null;
  const apiError = fieldError(form.error, kind);
  const set = (p: Partial<RuleState>) => {
    onChange({ ...state, ...p });
    form.setInvalid(({ [kind]: _, ...rest }) => rest);
  };
  const options = [
    { value: 'default', label: 'Program default' },
    start ? { value: 'immediate', label: 'Immediate' } : { value: 'unlimited', label: 'Unlimited' },
    { value: 'relative', label: 'Relative' },
    { value: 'absolute', label: 'Absolute' },
  ];
  const choiceError = state.type === 'default' || state.type === 'immediate' || state.type === 'unlimited' ? apiError : null;
  return (
    <fieldset class="rule">
      <legend>{start ? 'When the points become active' : 'When the points expire'}</legend>
      <SelectField
        label={start ? 'Reward start' : 'Reward expiry'}
        value={state.type}
        onValue={(type) => set({ type })}
        options={options}
        hint={`Program default: ${describeRule(programRule, kind)}`}
        error={choiceError}
      />
      {state.type === 'relative' && (
        <div class="rule-row">
          <TextField
            type="number"
            label={start ? 'Start after' : 'Expire after'}
            min={1}
            max={100000}
            step={1}
            inputMode="numeric"
            value={state.amount}
            onValue={(amount) => set({ amount })}
            error={problem ?? apiError}
          />
          <SelectField
            label={start ? 'Start unit' : 'Expiry unit'}
            value={state.unit}
            onValue={(v) => set({ unit: v as RuleUnit })}
            options={RULE_UNITS}
          />
          <SelectField
            label={start ? 'Start rounding' : 'Expiry rounding'}
            value={state.round}
            onValue={(v) => set({ round: v as RuleRound })}
            options={RULE_ROUNDS}
          />
        </div>
      )}
      {state.type === 'absolute' && (
        <TextField
          type="datetime-local"
          label={start ? 'Start at' : 'Expire at'}
          value={state.at}
          onValue={(at) => set({ at })}
          error={problem ?? apiError}
          hint="In your time zone"
        />
      )}
    </fieldset>
  );
}

/** The form's messages for "Points" and "Reason" (both dialogs). */
function pointsProblems(points: string, reason: string): Record<string, string> {
  const bad: Record<string, string> = {};
  const n = Number(points);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000_000) bad.points = 'Enter a whole number of points, at least 1';
  if (!reason.trim()) bad.reason = 'Enter a reason';
  return bad;
}

/** "Points" and "Reason" (both dialogs). */
function PointsAndReason({
  points,
  setPoints,
  reason,
  setReason,
  err,
}: {
  points: string;
  setPoints: (v: string) => void;
  reason: string;
  setReason: (v: string) => void;
  err: (name: string) => string | null;
}) {
  return (
    <>
      <TextField
        type="number"
        label="Points"
        min={1}
        step={1}
        inputMode="numeric"
        value={points}
        onValue={setPoints}
        error={err('points')}
      />
      <TextField label="Reason" value={reason} onValue={setReason} error={err('reason')} maxLength={500} autoComplete="off" />
    </>
  );
}

interface DialogBase {
  open: boolean;
  consumerId: string;
  program: LoyaltyProgram;
  ledgers: string[];
  /** The ledger preselected (the one shown, or main). */
  ledger: string;
  onClose: () => void;
  /** After a write: a status message, and the ledger written to. */
  onDone: (message: string, ledger: string) => void;
  /** The API refused points for this customer (blocked or inactive since the page loaded). */
  onRefused: () => void;
}

export function AddPointsDialog(props: DialogBase & { subledger: boolean }) {
  return (
    <Dialog open={props.open} title={props.subledger ? 'Create subledger' : 'Add points'} onClose={props.onClose}>
      {props.open && <AddPointsForm {...props} />}
    </Dialog>
  );
}

function AddPointsForm({
  consumerId,
  program,
  ledgers,
  ledger: initial,
  subledger,
  onClose,
  onDone,
  onRefused,
}: DialogBase & { subledger: boolean }) {
  const form = useFormSubmit();
  const { busy, error, invalid } = form;
  const [ledger, setLedger] = useState(subledger ? '' : initial);
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [start, setStart] = useState<RuleState>(DEFAULT_RULE);
  const [expiry, setExpiry] = useState<RuleState>(DEFAULT_RULE);

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const id = ledger.trim();
    if (subledger) {
      if (!LEDGER_ID.test(id)) bad.ledger = 'Letters, digits, “_”, “.” and “-”, up to 64';
      else if (ledgers.includes(id)) bad.ledger = `The ledger ${id} already exists: use “Add points” for it`;
    }
    Object.assign(bad, pointsProblems(points, reason));
    const n = Number(points);
    const s = ruleOf(start);
    const x = ruleOf(expiry);
    if ('problem' in s) bad.start = s.problem;
    if ('problem' in x) bad.expiry = x.problem;
    if (!form.check(bad) || 'problem' in s || 'problem' in x) return;
    await form.run(async () => {
      await refusable(
        api.post(
          '/consumers/{id}/loyalty/points',
          { programId: program.id, ledger: id, points: n, reason: reason.trim(), start: s.rule, expiry: x.rule },
          { path: { id: consumerId }, headers: { 'Idempotency-Key': form.key } },
        ),
        onRefused,
      );
      onDone(
        subledger
          ? `Subledger ${id} created with ${formatNumber(n)} points.`
          : `${formatNumber(n)} points added to ${id}.`,
        id,
      );
    });
  }

  const err = (name: string) => invalid[name] ?? fieldError(error, name);
  return (
    <form onSubmit={submit} noValidate>
      <p class="muted small">Program: {program.name}</p>
      <ErrorMessage error={error} fields={namedFields(error, 'ledger', 'points', 'reason', 'start', 'expiry')} />
      {subledger ? (
        <TextField
          label="Subledger ID"
          value={ledger}
          onValue={setLedger}
          error={err('ledger')}
          hint="Letters, digits, “_”, “.” and “-”, up to 64; e.g. summer-2025"
          autoComplete="off"
        />
      ) : (
        <SelectField
          label="Ledger"
          value={ledger}
          onValue={setLedger}
          options={ledgers.map((l) => ({ value: l, label: l }))}
          error={err('ledger')}
        />
      )}
      <PointsAndReason points={points} setPoints={setPoints} reason={reason} setReason={setReason} err={err} />
      <RuleFields kind="start" state={start} onChange={setStart} programRule={program.defaultStart} form={form} />
      <RuleFields kind="expiry" state={expiry} onChange={setExpiry} programRule={program.defaultExpiry} form={form} />
      <FormActions onCancel={onClose} disabled={busy}>
        {subledger ? 'Create subledger' : 'Add points'}
      </FormActions>
    </form>
  );
}

export function DeductPointsDialog(props: DialogBase & { balances: LedgerBalance[] }) {
  return (
    <Dialog open={props.open} title="Deduct points" onClose={props.onClose}>
      {props.open && <DeductPointsForm {...props} />}
    </Dialog>
  );
}

function DeductPointsForm({
  consumerId,
  program,
  ledgers,
  ledger: initial,
  balances,
  onClose,
  onDone,
  onRefused,
}: DialogBase & { balances: LedgerBalance[] }) {
  const form = useFormSubmit();
  const { busy, error, invalid } = form;
  const [ledger, setLedger] = useState(initial);
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const active = balances.find((b) => b.ledger === ledger)?.activePoints ?? 0;

  async function submit(e: Event) {
    e.preventDefault();
    if (!form.check(pointsProblems(points, reason))) return;
    const n = Number(points);
    await form.run(async () => {
      await refusable(
        api.post(
          '/consumers/{id}/loyalty/deductions',
          { programId: program.id, ledger, points: n, reason: reason.trim() },
          { path: { id: consumerId }, headers: { 'Idempotency-Key': form.key } },
        ),
        onRefused,
      );
      onDone(`${formatNumber(n)} points deducted from ${ledger}.`, ledger);
    });
  }

  const err = (name: string) => invalid[name] ?? fieldError(error, name);
  return (
    <form onSubmit={submit} noValidate>
      <p class="muted small">
        Program: {program.name}. Active points are spent, those expiring first go first.
      </p>
      <ErrorMessage error={error} fields={namedFields(error, 'ledger', 'points', 'reason')} />
      <SelectField
        label="Ledger"
        value={ledger}
        onValue={setLedger}
        options={ledgers.map((l) => ({ value: l, label: l }))}
        error={err('ledger')}
        hint={`${formatNumber(active)} active points in ${ledger}`}
      />
      <PointsAndReason points={points} setPoints={setPoints} reason={reason} setReason={setReason} err={err} />
      <FormActions onCancel={onClose} disabled={busy}>
        Deduct points
      </FormActions>
    </form>
  );
}
