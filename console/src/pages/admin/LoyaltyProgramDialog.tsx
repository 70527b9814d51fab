// "Create loyalty program" / "Edit <name>": name, timezone, tier basis, the default start and expiry
// rules, the earning rule for orders, the sign-up points (empty: none), the referral points for each
// side (both empty: none), the tiers (add/remove rows), the achievements (up to 10 rows: API name, name,
// metric, target, how it repeats, reward points, optional start and end) and the budgets (up to 3, one
// per action: limit, period, refuse or cap). API field errors show beside their field
// ("tiers.1.minPoints" beside "Tier 2 threshold", "achievements.0.key" beside "Achievement 1 API name";
// a row's own rule, "achievements.0", beside its first field; "achievements" / "budgets" atop the section).
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
type Metric = Schemas['AchievementMetric'];
type Period = Schemas['BudgetPeriod'];
type Action = Schemas['BudgetAction'];
type Overflow = Schemas['BudgetOverflow'];

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

interface AchievementDraft {
  key: number;
  apiName: string;
  name: string;
  metric: Metric;
  target: string;
  period: Period;
  rewardPoints: string;
  /** <input type=datetime-local> values (local time); empty: none. */
  startsAt: string;
  endsAt: string;
}

interface BudgetDraft {
  key: number;
  action: Action;
  limit: string;
  period: Period;
  overflow: Overflow;
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
  achievements: AchievementDraft[];
  budgets: BudgetDraft[];
}

const MAX_TIERS = 20;
const MAX_ACHIEVEMENTS = 10;
const ACTIONS: Action[] = ['points_earned', 'coupon_redemptions', 'referral_rewards'];

const METRICS: Option[] = [
  { value: 'orders', label: 'Orders' },
  { value: 'spend', label: 'Spend' },
  { value: 'points', label: 'Points' },
];
const REPEATS: Option[] = [
  { value: 'never', label: 'Never (once in all)' },
  { value: 'day', label: 'Every day' },
  { value: 'week', label: 'Every week' },
  { value: 'month', label: 'Every month' },
];
const BUDGET_ACTIONS: Option[] = [
  { value: 'points_earned', label: 'Points earned' },
  { value: 'coupon_redemptions', label: 'Coupon redemptions' },
  { value: 'referral_rewards', label: 'Referral rewards' },
];
const BUDGET_PERIODS: Option[] = [
  { value: 'day', label: 'Per day' },
  { value: 'week', label: 'Per week' },
  { value: 'month', label: 'Per month' },
  { value: 'never', label: 'In all' },
];
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
    achievements: (p?.achievements ?? []).map((a) => ({
      key: nextKey++,
      apiName: a.key,
      name: a.name,
      metric: a.metric,
      target: String(a.target),
      period: a.period ?? 'never',
      rewardPoints: a.rewardPoints ? String(a.rewardPoints) : '',
      startsAt: toLocalInput(a.startsAt),
      endsAt: toLocalInput(a.endsAt),
    })),
    budgets: (p?.budgets ?? []).map((b) => ({
      key: nextKey++,
      action: b.action,
      limit: String(b.limit),
      period: b.period,
      overflow: b.overflow ?? 'refuse',
    })),
  };
}

/** A whole number from a field, else the text as typed (the API says what is wrong with it). */
function integer(s: string): number {
  const t = s.trim();
  if (t === '') return null as unknown as number;
  return (/^-?\d+$/.test(t) ? Number(t) : t) as unknown as number;
}

/** A datetime-local value as an ISO instant (as typed when it is not one); empty: none. */
function instant(local: string): string | null {
  if (!local) return null;
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? local : t.toISOString();
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
    achievements: d.achievements.map((a) => ({
      key: a.apiName.trim(),
      name: a.name.trim(),
      metric: a.metric,
      target: a.target.trim() || (null as unknown as string),
      period: a.period,
      startsAt: instant(a.startsAt),
      endsAt: instant(a.endsAt),
      rewardPoints: integer(a.rewardPoints) ?? 0,
    })),
    budgets: d.budgets.map((b) => ({ action: b.action, limit: integer(b.limit), period: b.period, overflow: b.overflow })),
  };
}

const ACHIEVEMENT_FIELDS = ['key', 'name', 'metric', 'target', 'period', 'startsAt', 'endsAt', 'rewardPoints'] as const;
const BUDGET_FIELDS = ['action', 'limit', 'period', 'overflow'] as const;

/** The field names whose errors show beside a control in this form. */
function shownFields(d: Draft): string[] {
  const out = ['name', 'timezone', 'tierBasis', 'tiers', 'earning', 'earning.pointsPerUnit', 'signUp', 'signUp.points'];
  out.push('referral', 'referral.advocatePoints', 'referral.referredPoints');
  for (const prefix of ['defaultStart', 'defaultExpiry', 'earning.start']) for (const p of RULE_PARTS) out.push(prefix + p);
  d.tiers.forEach((_, i) => out.push(`tiers.${i}`, `tiers.${i}.name`, `tiers.${i}.minPoints`));
  out.push('achievements', 'budgets');
  d.achievements.forEach((_, i) => {
    out.push(`achievements.${i}`);
    for (const f of ACHIEVEMENT_FIELDS) out.push(`achievements.${i}.${f}`);
  });
  d.budgets.forEach((_, i) => {
    out.push(`budgets.${i}`);
    for (const f of BUDGET_FIELDS) out.push(`budgets.${i}.${f}`);
  });
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

  const setAchievement = (i: number, patch: Partial<AchievementDraft>) =>
    setD((cur) => ({ ...cur, achievements: cur.achievements.map((a, j) => (j === i ? { ...a, ...patch } : a)) }));
  const setBudget = (i: number, patch: Partial<BudgetDraft>) =>
    setD((cur) => ({
      ...cur,
      budgets: cur.budgets.map((b, j) => {
        if (j !== i) return b;
        const next = { ...b, ...patch };
        // capping is for points earned only
        if (next.action !== 'points_earned') next.overflow = 'refuse';
        return next;
      }),
    }));

  /** A new row's first field takes the focus once rendered. */
  function focusLast(selector: string) {
    window.setTimeout(() => {
      const rows = formRef.current?.querySelectorAll<HTMLElement>(selector);
      rows?.[rows.length - 1]?.querySelector<HTMLElement>('input, select')?.focus();
    }, 0);
  }

  function addAchievement() {
    setD((cur) => ({
      ...cur,
      achievements: [
        ...cur.achievements,
        {
          key: nextKey++,
          apiName: '',
          name: '',
          metric: 'orders',
          target: '',
          period: 'never',
          rewardPoints: '',
          startsAt: '',
          endsAt: '',
        },
      ],
    }));
    focusLast('.achievement-row');
  }

  function addBudget() {
    setD((cur) => {
      const action = ACTIONS.find((a) => !cur.budgets.some((b) => b.action === a)) ?? 'points_earned';
      return {
        ...cur,
        budgets: [...cur.budgets, { key: nextKey++, action, limit: '', period: 'day', overflow: 'refuse' }],
      };
    });
    focusLast('.budget-row');
  }

  function removeRow(list: 'achievements' | 'budgets', i: number) {
    setD((cur) => ({ ...cur, [list]: cur[list].filter((_, j) => j !== i) }));
    // errors are indexed by row: they no longer match
    form.clearErrors();
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

      <fieldset>
        <legend>Achievements</legend>
        <p class="hint">
          A goal a customer reaches by orders, spend or points within a period; reaching it can give reward points. Up
          to {MAX_ACHIEVEMENTS}.
        </p>
        {errors.achievements && <p class="field-error">{errors.achievements}</p>}
        {d.achievements.map((a, i) => {
          const n = `Achievement ${i + 1}`;
          const err = (f: string) => errors[`achievements.${i}.${f}`];
          return (
            <fieldset class="achievement-row" key={a.key}>
              <legend>{a.name.trim() ? `${n}: ${a.name.trim()}` : n}</legend>
              <div class="goal-row">
                <TextField
                  label={`${n} API name`}
                  maxLength={40}
                  autoComplete="off"
                  spellcheck={false}
                  value={a.apiName}
                  onValue={(v) => setAchievement(i, { apiName: v })}
                  error={joinErrors(errors[`achievements.${i}`], err('key'))}
                  hint="Lowercase letters, digits, - and _"
                />
                <TextField
                  label={`${n} name`}
                  maxLength={100}
                  autoComplete="off"
                  value={a.name}
                  onValue={(v) => setAchievement(i, { name: v })}
                  error={err('name')}
                />
                <SelectField
                  label={`${n} metric`}
                  value={a.metric}
                  onValue={(v) => setAchievement(i, { metric: v as Metric })}
                  options={METRICS}
                  error={err('metric')}
                />
                <TextField
                  label={`${n} target`}
                  inputMode="decimal"
                  autoComplete="off"
                  value={a.target}
                  onValue={(v) => setAchievement(i, { target: v })}
                  error={err('target')}
                  hint={a.metric === 'orders' ? 'Orders to place' : a.metric === 'spend' ? 'Amount to spend' : 'Points to earn'}
                />
                <SelectField
                  label={`${n} repeats`}
                  value={a.period}
                  onValue={(v) => setAchievement(i, { period: v as Period })}
                  options={REPEATS}
                  error={err('period')}
                />
                <TextField
                  label={`${n} reward points`}
                  type="number"
                  min={0}
                  step={1}
                  inputMode="numeric"
                  value={a.rewardPoints}
                  onValue={(v) => setAchievement(i, { rewardPoints: v })}
                  error={err('rewardPoints')}
                  hint="Empty: none"
                />
                <TextField
                  label={`${n} starts`}
                  type="datetime-local"
                  value={a.startsAt}
                  onValue={(v) => setAchievement(i, { startsAt: v })}
                  error={err('startsAt')}
                  hint="Optional, your local time"
                />
                <TextField
                  label={`${n} ends`}
                  type="datetime-local"
                  value={a.endsAt}
                  onValue={(v) => setAchievement(i, { endsAt: v })}
                  error={err('endsAt')}
                  hint="Optional, your local time"
                />
                <div class="field">
                  <button type="button" onClick={() => removeRow('achievements', i)}>
                    Remove achievement {i + 1}
                  </button>
                </div>
              </div>
            </fieldset>
          );
        })}
        {!d.achievements.length && <p class="muted">No achievements.</p>}
        <button type="button" onClick={addAchievement} disabled={d.achievements.length >= MAX_ACHIEVEMENTS}>
          Add achievement
        </button>
      </fieldset>

      <fieldset>
        <legend>Budgets</legend>
        <p class="hint">
          A limit on what one customer gets in a period (in the program’s time zone), one per action: past it the action
          is refused, or points earned are capped at the limit.
        </p>
        {errors.budgets && <p class="field-error">{errors.budgets}</p>}
        {d.budgets.map((b, i) => {
          const n = `Budget ${i + 1}`;
          const err = (f: string) => errors[`budgets.${i}.${f}`];
          return (
            <div class="goal-row budget-row" key={b.key}>
              <SelectField
                label={`${n} action`}
                value={b.action}
                onValue={(v) => setBudget(i, { action: v as Action })}
                options={BUDGET_ACTIONS}
                error={joinErrors(errors[`budgets.${i}`], err('action'))}
              />
              <TextField
                label={`${n} limit`}
                type="number"
                min={1}
                step={1}
                inputMode="numeric"
                value={b.limit}
                onValue={(v) => setBudget(i, { limit: v })}
                error={err('limit')}
              />
              <SelectField
                label={`${n} period`}
                value={b.period}
                onValue={(v) => setBudget(i, { period: v as Period })}
                options={BUDGET_PERIODS}
                error={err('period')}
              />
              <SelectField
                label={`${n} past the limit`}
                value={b.overflow}
                onValue={(v) => setBudget(i, { overflow: v as Overflow })}
                options={
                  b.action === 'points_earned'
                    ? [
                        { value: 'refuse', label: 'Refuse' },
                        { value: 'cap', label: 'Cap at the limit' },
                      ]
                    : [{ value: 'refuse', label: 'Refuse' }]
                }
                error={err('overflow')}
              />
              <div class="field">
                <button type="button" onClick={() => removeRow('budgets', i)}>
                  Remove budget {i + 1}
                </button>
              </div>
            </div>
          );
        })}
        {!d.budgets.length && <p class="muted">No budgets.</p>}
        <button type="button" onClick={addBudget} disabled={d.budgets.length >= ACTIONS.length}>
          Add budget
        </button>
      </fieldset>

      <FormActions onCancel={onCancel} disabled={busy}>
        {busy ? 'Saving…' : program ? 'Save' : 'Create'}
      </FormActions>
    </form>
  );
}
