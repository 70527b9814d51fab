// The choices of a points rule's unit and rounding (a program's rules, a customer's points).
import type { Schemas } from '../api/client';

export const RULE_UNITS: { value: Schemas['RuleUnit']; label: string }[] = [
  { value: 'minutes', label: 'Minutes' },
  { value: 'hours', label: 'Hours' },
  { value: 'days', label: 'Days' },
  { value: 'weeks', label: 'Weeks' },
  { value: 'months', label: 'Months' },
];

export const RULE_ROUNDS: { value: Schemas['RuleRound']; label: string }[] = [
  { value: 'none', label: 'No rounding' },
  { value: 'start_of_day', label: 'Start of that day' },
  { value: 'end_of_day', label: 'End of that day' },
  { value: 'end_of_week', label: 'End of that week (Sunday)' },
  { value: 'end_of_month', label: 'End of that month' },
];
