// "Create loyalty program" / "Edit <name>": name, timezone, tier basis, the default start and expiry
// rules, the earning rule for orders, the sign-up points (empty: none), the referral points for each
// side (both empty: none), and the tiers (add/remove rows). API field errors show beside their field
// ("tiers.1.minPoints" beside "Tier 2 threshold").
import { useMemo, useRef, useState } from 'preact/hooks';
import { api, type LoyaltyProgram, type Schemas } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { Field, SelectField, TextField, type Option } from '../../components/Field';
import { FormActions, FormError, useFormSubmit } from '../../components/Form';
import { RULE_ROUNDS, RULE_UNITS } from '../../components/rules';

type PointsRule = Schemas['PointsRule'];
type RuleType = Schemas['RuleType'];
type RuleUnit = Schemas['RuleUnit'];
type RuleRound = Schemas['RuleRound'];
type TierBasis = Schemas['TierBasis'];

interface RuleDraft {
  type: RuleType;
  amount: string;
  unit: RuleUnit;
  round: RuleRound;
  /** <input type=datetime-local> value (local time). */
  at: string;
}

interface TierDraft {
  key: number;
  name: string;
  minPoints: string;
}

interface Draft {
  name: string;
  timezone: string;
  tierBasis: TierBasis;
  defaultStart: RuleDraft;
  defaultExpiry: RuleDraft;
  earning: { pointsPerUnit: string; start: RuleDraft } | null;
  /** Sign-up points as typed; empty: no sign-up rule. */
  signUp: string;
  /** Referral points for each side as typed; both empty: no referral rule. */
  referral: { advocate: string; referred: string };
  tiers: TierDraft[];
}

const MAX_TIERS = 20;
const RULE_PARTS = ['', '.type', '.amount', '.unit', '.round', '.at'] as const;

const TYPE_LABELS: Record<RuleType, string> = {
  default: 'Program default',
  immediate: 'Immediately',
  unlimited: 'Never (unlimited)',
  relative: 'Relative: after a time',
  absolute: 'Absolute: at a date and time',
};
const START_TYPES: RuleType[] = ['immediate', 'relative', 'absolute'];
const EXPIRY_TYPES: RuleType[] = ['unlimited', 'relative', 'absolute'];
const EARNING_START_TYPES: RuleType[] = ['default', 'immediate', 'relative', 'absolute'];

const BASES: Option[] = [
  { value: 'active', label: 'Active points' },
  { value: 'lifetime', label: 'Lifetime points' },
];

let nextKey = 1;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** An ISO instant as a datetime-local value in the browser's time zone. */
function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function ruleDraft(r: PointsRule | null | undefined, fallback: RuleType): RuleDraft {
  return {
    type: r?.type ?? fallback,
    amount: r?.amount != null ? String(r.amount) : '',
    unit: r?.unit ?? 'days',
    round: r?.round ?? 'none',
    at: toLocalInput(r?.at),
  };
}

function draftOf(p: LoyaltyProgram | null): Draft {
  return {
    name: p?.name ?? '',
    timezone: p?.timezone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
    tierBasis: p?.tierBasis ?? 'active',
    defaultStart: ruleDraft(p?.defaultStart, 'immediate'),
    defaultExpiry: ruleDraft(p?.defaultExpiry, 'unlimited'),
    earning: p?.earning
      ? { pointsPerUnit: String(p.earning.pointsPerUnit), start: ruleDraft(p.earning.start, 'default') }
      : null,
    signUp: p?.signUp ? String(p.signUp.points) : '',
    referral: {
      advocate: p?.referral?.advocatePoints ? String(p.referral.advocatePoints) : '',
      referred: p?.referral?.referredPoints ? String(p.referral.referredPoints) : '',
    },
    tiers: (p?.tiers ?? []).map((t) => ({ key: nextKey++, name: t.name, minPoints: String(t.minPoints) })),
  };
}

/** A whole number from a field, else the text as typed (the API says what is wrong with it). */
function integer(s: string): number {
  const t = s.trim();
  if (t === '') return null as unknown as number;
  return (/^-?\d+$/.test(t) ? Number(t) : t) as unknown as number;
}

function ruleBody(d: RuleDraft): PointsRule {
  const rule: PointsRule = { type: d.type, unit: d.unit, round: d.round };
  if (d.type === 'relative') rule.amount = integer(d.amount);
  if (d.type === 'absolute') {
    const t = d.at ? new Date(d.at) : null;
    rule.at = t && !Number.isNaN(t.getTime()) ? t.toISOString() : d.at || null;
  }
  if (d.type !== 'relative') rule.round = 'none';
  return rule;
}

/** The program's default rule, as a sign-up rule's start or expiry (the API's default, spelled out). */
const PROGRAM_DEFAULT: PointsRule = { type: 'default', unit: 'days', round: 'none' };

/**
 * The sign-up rule to send: none when the field is empty; else its points, keeping the start and
 * expiry the program has (set through the API), or the program's defaults.
 */
function signUpBody(d: Draft, current: Schemas['SignUpRule'] | null | undefined): Schemas['SignUpRule'] | null {
  if (!d.signUp.trim()) return null;
  return {
    start: current?.start ?? PROGRAM_DEFAULT,
    expiry: current?.expiry ?? PROGRAM_DEFAULT,
    points: integer(d.signUp),
  };
}

/** The referral rule to send: none when both fields are empty; an empty side gives 0 points. */
function referralBody(d: Draft): Schemas['ReferralRule'] | null {
  const { advocate, referred } = d.referral;
  if (!advocate.trim() && !referred.trim()) return null;
  return { advocatePoints: integer(advocate) ?? 0, referredPoints: integer(referred) ?? 0 };
}

function body(d: Draft, current: LoyaltyProgram | null): Schemas['LoyaltyProgramCreate'] {
  return {
    name: d.name.trim(),
    timezone: d.timezone.trim(),
    tierBasis: d.tierBasis,
    defaultStart: ruleBody(d.defaultStart),
    defaultExpiry: ruleBody(d.defaultExpiry),
    earning: d.earning
      ? { pointsPerUnit: d.earning.pointsPerUnit.trim(), start: ruleBody(d.earning.start) }
      : null,
    signUp: signUpBody(d, current?.signUp),
    referral: referralBody(d),
    tiers: d.tiers.map((t) => ({ name: t.name.trim(), minPoints: integer(t.minPoints) })),
  };
}

/** The field names whose errors show beside a control in this form. */
function shownFields(d: Draft): string[] {
  const out = ['name', 'timezone', 'tierBasis', 'tiers', 'earning', 'earning.pointsPerUnit', 'signUp', 'signUp.points'];
  out.push('referral', 'referral.advocatePoints', 'referral.referredPoints');
  for (const prefix of ['defaultStart', 'defaultExpiry', 'earning.start']) for (const p of RULE_PARTS) out.push(prefix + p);
  d.tiers.forEach((_, i) => out.push(`tiers.${i}`, `tiers.${i}.name`, `tiers.${i}.minPoints`));
  return out;
}

function joinErrors(...msgs: (string | undefined)[]): string | undefined {
  const m = msgs.filter(Boolean);
  return m.length ? m.join('; ') : undefined;
}

export function LoyaltyProgramDialog({
  open,
  program,
  onClose,
  onSaved,
}: {
  open: boolean;
  /** null: create a program. */
  program: LoyaltyProgram | null;
  onClose: () => void;
  onSaved: (p: LoyaltyProgram, created: boolean) => void;
}) {
  return (
    <Dialog
      open={open}
      size="wide"
      title={program ? `Edit ${program.name}` : 'Create loyalty program'}
      onClose={onClose}
    >
      {open && <ProgramForm program={program} onCancel={onClose} onSaved={onSaved} />}
    </Dialog>
  );
}

function RuleFields({
  label,
  prefix,
  types,
  value,
  onChange,
  errors,
}: {
  label: string;
  prefix: string;
  types: RuleType[];
  value: RuleDraft;
  onChange: (r: RuleDraft) => void;
  errors: Record<string, string>;
}) {
  const set = (patch: Partial<RuleDraft>) => onChange({ ...value, ...patch });
  return (
    <div class="rule-fields">
      <SelectField
        label={label}
        value={value.type}
        onValue={(v) => set({ type: v as RuleType })}
        options={types.map((t) => ({ value: t, label: TYPE_LABELS[t] }))}
        error={joinErrors(errors[prefix], errors[`${prefix}.type`])}
      />
      {value.type === 'relative' && (
        <>
          <TextField
            label={`${label} amount`}
            type="number"
            min={1}
            max={100000}
            step={1}
            inputMode="numeric"
            value={value.amount}
            onValue={(v) => set({ amount: v })}
            error={errors[`${prefix}.amount`]}
          />
          <SelectField
            label={`${label} unit`}
            value={value.unit}
            onValue={(v) => set({ unit: v as RuleUnit })}
            options={RULE_UNITS}
            error={errors[`${prefix}.unit`]}
          />
          <SelectField
            label={`${label} rounding`}
            value={value.round}
            onValue={(v) => set({ round: v as RuleRound })}
            options={RULE_ROUNDS}
            error={errors[`${prefix}.round`]}
          />
        </>
      )}
      {value.type === 'absolute' && (
        <TextField
          label={`${label} at`}
          type="datetime-local"
          value={value.at}
          onValue={(v) => set({ at: v })}
          error={errors[`${prefix}.at`]}
          hint="Your local time"
        />
      )}
    </div>
  );
}

function ProgramForm({
  program,
  onCancel,
  onSaved,
}: {
  program: LoyaltyProgram | null;
  onCancel: () => void;
  onSaved: (p: LoyaltyProgram, created: boolean) => void;
}) {
  const form = useFormSubmit();
  const { busy, errors } = form;
  const [d, setD] = useState<Draft>(() => draftOf(program));
  const formRef = useRef<HTMLFormElement>(null);
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [] as string[];
    }
  }, []);

  const set = (patch: Partial<Draft>) => setD((cur) => ({ ...cur, ...patch }));
  const setTier = (i: number, patch: Partial<TierDraft>) =>
    setD((cur) => ({ ...cur, tiers: cur.tiers.map((t, j) => (j === i ? { ...t, ...patch } : t)) }));

  function addTier() {
    setD((cur) => {
      const last = cur.tiers[cur.tiers.length - 1];
      const next = last && /^\d+$/.test(last.minPoints.trim()) ? String(Number(last.minPoints) * 2 || 100) : '';
      return { ...cur, tiers: [...cur.tiers, { key: nextKey++, name: '', minPoints: cur.tiers.length ? next : '0' }] };
    });
    // focus the new row's name once rendered
    window.setTimeout(() => {
      const rows = formRef.current?.querySelectorAll<HTMLElement>('.tier-row');
      rows?.[rows.length - 1]?.querySelector('input')?.focus();
    }, 0);
  }

  function removeTier(i: number) {
    setD((cur) => ({ ...cur, tiers: cur.tiers.filter((_, j) => j !== i) }));
    // errors are indexed by row: they no longer match
    form.clearErrors();
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (!form.check(d.name.trim() ? {} : { name: 'Enter a name.' })) return;
    await form.run(async () => {
      const b = body(d, program);
      const saved = program
        ? await api.put('/loyalty-programs/{id}', b, { path: { id: program.id } })
        : await api.post('/loyalty-programs', b, { headers: { 'Idempotency-Key': form.key } });
      onSaved(saved, !program);
    });
  }

  return (
    <form ref={formRef} onSubmit={submit} noValidate class="program-form">
      <FormError error={form.error} fields={shownFields(d)} errors={errors} />
      <div class="form-grid">
        <TextField
          label="Name"
          required
          maxLength={100}
          autoComplete="off"
          value={d.name}
          onValue={(v) => set({ name: v })}
          error={errors.name}
        />
        <Field
          label="Timezone"
          error={errors.timezone}
          hint="An IANA time zone such as Europe/Lisbon: relative rules round in it."
        >
          {(p) => (
            <input
              {...p}
              type="text"
              {...{ list: 'program-timezones' }}
              autoComplete="off"
              spellcheck={false}
              value={d.timezone}
              onInput={(e) => set({ timezone: e.currentTarget.value })}
            />
          )}
        </Field>
        <SelectField
          label="Tier basis"
          value={d.tierBasis}
          onValue={(v) => set({ tierBasis: v as TierBasis })}
          options={BASES}
          error={errors.tierBasis}
          hint="Active: the points one can spend now. Lifetime: every point ever activated."
        />
      </div>
      {zones.length > 0 && (
        <datalist id="program-timezones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      )}

      <fieldset>
        <legend>Default rules for points</legend>
        <div class="form-grid">
          <RuleFields
            label="Default start"
            prefix="defaultStart"
            types={START_TYPES}
            value={d.defaultStart}
            onChange={(r) => set({ defaultStart: r })}
            errors={errors}
          />
          <RuleFields
            label="Default expiry"
            prefix="defaultExpiry"
            types={EXPIRY_TYPES}
            value={d.defaultExpiry}
            onChange={(r) => set({ defaultExpiry: r })}
            errors={errors}
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>Earning rule for orders</legend>
        {errors.earning && <p class="field-error">{errors.earning}</p>}
        {d.earning ? (
          <div class="form-grid">
            <TextField
              label="Points per unit"
              inputMode="decimal"
              autoComplete="off"
              value={d.earning.pointsPerUnit}
              onValue={(v) => d.earning && set({ earning: { ...d.earning, pointsPerUnit: v } })}
              error={errors['earning.pointsPerUnit']}
              hint="Points for each currency unit paid (rounded down), e.g. 1 or 1.5"
            />
            <RuleFields
              label="Earning start"
              prefix="earning.start"
              types={EARNING_START_TYPES}
              value={d.earning.start}
              onChange={(r) => d.earning && set({ earning: { ...d.earning, start: r } })}
              errors={errors}
            />
            <div class="field">
              <button type="button" onClick={() => set({ earning: null })}>
                Remove earning rule
              </button>
            </div>
          </div>
        ) : (
          <p>
            <span class="muted">Orders earn no points. </span>
            <button
              type="button"
              onClick={() => set({ earning: { pointsPerUnit: '1', start: ruleDraft(null, 'default') } })}
            >
              Add earning rule
            </button>
          </p>
        )}
      </fieldset>

      <fieldset>
        <legend>Sign-up</legend>
        <div class="form-grid">
          <TextField
            label="Sign-up points"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={d.signUp}
            onValue={(v) => set({ signUp: v })}
            error={joinErrors(errors.signUp, errors['signUp.points'])}
            hint="Given once when a customer becomes a member. Empty: none."
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>Referrals</legend>
        <p class="hint">
          Given once for each person who joins or orders with a customer’s referral code. Both empty: none.
        </p>
        {errors.referral && <p class="field-error">{errors.referral}</p>}
        <div class="form-grid">
          <TextField
            label="Referral points for the advocate"
            type="number"
            min={0}
            step={1}
            inputMode="numeric"
            value={d.referral.advocate}
            onValue={(v) => set({ referral: { ...d.referral, advocate: v } })}
            error={errors['referral.advocatePoints']}
            hint="The customer whose code it was"
          />
          <TextField
            label="Referral points for the referred customer"
            type="number"
            min={0}
            step={1}
            inputMode="numeric"
            value={d.referral.referred}
            onValue={(v) => set({ referral: { ...d.referral, referred: v } })}
            error={errors['referral.referredPoints']}
            hint="The customer who came with the code"
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>Tiers</legend>
        <p class="hint">A customer is in the highest tier whose threshold its points reach.</p>
        {errors.tiers && <p class="field-error">{errors.tiers}</p>}
        {d.tiers.map((t, i) => (
          <div class="tier-row" key={t.key}>
            <TextField
              label={`Tier ${i + 1} name`}
              maxLength={64}
              autoComplete="off"
              value={t.name}
              onValue={(v) => setTier(i, { name: v })}
              error={joinErrors(errors[`tiers.${i}`], errors[`tiers.${i}.name`])}
            />
            <TextField
              label={`Tier ${i + 1} threshold`}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={t.minPoints}
              onValue={(v) => setTier(i, { minPoints: v })}
              error={errors[`tiers.${i}.minPoints`]}
              hint="Points from which it applies"
            />
            <div class="field">
              <button type="button" onClick={() => removeTier(i)}>
                Remove tier {i + 1}
              </button>
            </div>
          </div>
        ))}
        {!d.tiers.length && <p class="muted">No tiers.</p>}
        <button type="button" onClick={addTier} disabled={d.tiers.length >= MAX_TIERS}>
          Add tier
        </button>
      </fieldset>

      <FormActions onCancel={onCancel} disabled={busy}>
        {busy ? 'Saving…' : program ? 'Save' : 'Create'}
      </FormActions>
    </form>
  );
}
