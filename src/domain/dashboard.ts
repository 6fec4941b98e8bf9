import type { KpiTarget } from '../personas/kpis.js';
import type { RiskRow, Retention } from './accounts.js';

/** Weekly aggregates are kept this many weeks, then expire; the dashboard never shows more. */
export const RETENTION_WEEKS = 10;

/**
 * The App Home dashboard as numbers: what LUNA recorded (weekly aggregates, never message text) judged
 * against the persona's KPI targets. Pure, so every figure the Home tab shows can be tested without Slack.
 */

/** Weeks the dashboard and its chart look back over, this week included. */
export const DASHBOARD_WEEKS = 8;
/** Fewer digests than this and a CSAT mean carries a "too few to conclude" note, as the persona asks. */
export const SMALL_SAMPLE = 5;
const WEEK_MS = 7 * 86_400_000;
const WINDOW = `the last ${DASHBOARD_WEEKS} weeks`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface WeekFigures {
  /** ISO week, e.g. `2026-W47`. */
  week: string;
  /** Monday 00:00 UTC of that week (epoch ms). */
  startsAt: number;
  /** Mean estimated CSAT of the week's digests (1–5), null without digests. */
  csat: number | null;
  escalations: number;
}

/** Everything the dashboard shows, as recorded; sums are over the last DASHBOARD_WEEKS weeks. */
export interface Figures {
  now: number;
  weeks: WeekFigures[];
  csat: { value: number | null; count: number };
  actionItems: { created: number; done: number };
  escalations: {
    open: number;
    overdue: number;
    opened: number;
    acknowledged: number;
    notStrategic: number;
    reassigned: number;
    medianMinutesToAcknowledge: number | null;
  };
  /** Answers LUNA kept (assessed as routine) and escalations it opened. */
  conversations: { handled: number; escalated: number };
  thisWeek: { answers: number; digests: number; escalationsOpened: number };
  /** Feedback-button votes on answers per week (oldest first), each person counted once per answer. */
  feedback: Array<{ positive: number; negative: number }>;
  /** Without an `escalation:` section nothing is assessed, so the handled/escalated split does not exist. */
  escalationConfigured: boolean;
  /** CSAT measured from survey responses over the same weeks (absent: not gathered). */
  csatMeasured?: MeasuredCsat | undefined;
  /** What the account book and account memory say (absent: not gathered). */
  accounts?: AccountFigures | undefined;
  /** Today's use against the limits (absent: not gathered). */
  usage?: UsageFigures | undefined;
}

/** Today's (UTC) use against `limits:`: the viewer's own mentions, and the tokens spent for each other organisation. */
export interface UsageFigures {
  mine: number;
  perDay: number;
  perMinute: number;
  organisations: Array<{ name: string; tokens: number }>;
  organisationBudget: number;
}

/** Survey responses: `responses` votes on `responded` of `surveys` surveys posted, averaging `average` (1–5). */
export interface MeasuredCsat {
  surveys: number;
  responded: number;
  responses: number;
  average: number | null;
  lastAt: number | null;
}

export interface AccountFigures {
  /** Whether an account book (LUNA_ACCOUNTS) is loaded. */
  book: boolean;
  /** Whether `csat.enabled` is on (surveys are posted). */
  surveysOn: boolean;
  retention: Retention;
  milestones: { done: number; total: number; accounts: number; rate: number | null };
  /** Accounts LUNA knows (book and Slack Connect). */
  known: number;
  atRisk: RiskRow[];
}

/** `untargeted`: measured, but the persona states no target for it. */
export type KpiStatus = 'met' | 'below' | 'untargeted' | 'no_data' | 'not_measured';

export interface KpiReading {
  name: string;
  /** The persona's target, when it states one. */
  target?: KpiTarget;
  status: KpiStatus;
  /** The figure as shown ("4.3/5", "62%"); absent without data. */
  value?: string;
  /** "0.2 below target", "12 points below target". */
  gap?: string;
  /** Where the figure comes from and how much of it there is. */
  basis: string;
  /** Further lines, each labelled by its source (the digest estimate beside measured CSAT). */
  detail?: string[];
}

/** Monday 00:00 UTC of the week holding `epochMs`. */
export function weekStart(epochMs: number): number {
  const d = new Date(epochMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
}

/** Starts of the last `n` weeks, oldest first, this week last. */
export function weekStarts(n: number, now: number): number[] {
  return Array.from({ length: n }, (_, i) => weekStart(now - (n - 1 - i) * WEEK_MS));
}

/** "17 Nov". */
export function dayMonth(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/**
 * Each persona KPI against its target. LUNA measures estimated CSAT (digests) and feedback integration
 * (digest action items marked done); the rest is said to be not measured rather than guessed. A persona
 * without a KPI section still gets the two measured figures, with no target.
 */
export function readKpis(targets: readonly KpiTarget[], f: Figures): KpiReading[] {
  const list: Array<{ name: string; metric: KpiTarget['metric']; target?: KpiTarget }> = targets.length
    ? targets.map((t) => ({ name: t.name, metric: t.metric, target: t }))
    : [
        { name: 'Estimated CSAT', metric: 'csat' },
        { name: 'Feedback integration', metric: 'feedback_integration' },
      ];
  return list.map(({ name, metric, target }) => {
    const base = { name, ...(target ? { target } : {}) };
    if (metric === 'csat') return csatReading(base, f);
    if (metric === 'feedback_integration') return integrationReading(base, f);
    if (metric === 'retention' && f.accounts?.book) return retentionReading(base, f.accounts);
    if (metric === 'milestones' && f.accounts?.book) return milestonesReading(base, f.accounts);
    if (metric === 'retention' || metric === 'milestones') {
      return { ...base, status: 'not_measured', basis: 'Not measured by LUNA: it needs the account book (LUNA_ACCOUNTS, a CRM export).' };
    }
    return { ...base, status: 'not_measured', basis: 'Not measured by LUNA: it needs data from outside Slack (CRM, product usage).' };
  });
}

function csatReading(base: { name: string; target?: KpiTarget }, f: Figures): KpiReading {
  const estimate = csatEstimate(base, f);
  const m = f.csatMeasured;
  if (!m || m.average === null) {
    const surveys = !m
      ? []
      : m.surveys > 0
        ? [`Measured from CSAT surveys: no responses yet to ${plural(m.surveys, 'survey')} in ${WINDOW}.`]
        : f.accounts?.surveysOn === false
          ? ['Measured from CSAT surveys: surveys are off (csat.enabled in luna.config.yml).']
          : [`Measured from CSAT surveys: no survey in ${WINDOW}.`];
    return { ...estimate, ...(surveys.length ? { detail: surveys } : {}) };
  }
  const scale = typeof base.target?.unit === 'number' ? base.target.unit : 5;
  const shown = Math.round(((m.average * scale) / 5) * 10) / 10;
  const rate = m.surveys ? Math.round((m.responded / m.surveys) * 100) : 0;
  const small = m.responses < SMALL_SAMPLE ? ' — too few to conclude' : '';
  return {
    ...base,
    ...judge(base.target, shown, (d) => d.toFixed(1), ''),
    value: `${shown.toFixed(1)}/${scale}`,
    basis: `Measured from CSAT surveys: ${plural(m.responses, 'response')}, ${m.responded} of ${plural(m.surveys, 'survey')} answered (${rate}% response rate) in ${WINDOW}${small}.`,
    detail: [
      estimate.value ? `Estimated from feedback digests: ${estimate.value} — ${estimate.basis}` : `Estimated from feedback digests: no digest in ${WINDOW}.`,
    ],
  };
}

/** CSAT as the digests estimate it (the only CSAT figure before surveys have answers). */
function csatEstimate(base: { name: string; target?: KpiTarget }, f: Figures): KpiReading {
  const { value, count } = f.csat;
  const digests = `${count} digest${count === 1 ? '' : 's'}`;
  if (value === null) return { ...base, status: 'no_data', basis: `Estimated from feedback digests; no digest in ${WINDOW}.` };
  // The digest estimate is on a 1–5 scale; a persona that states CSAT out of 10 is compared on its own scale.
  const scale = typeof base.target?.unit === 'number' ? base.target.unit : 5;
  // Judged as shown, so the value and the gap printed beside it always add up.
  const shown = Math.round(((value * scale) / 5) * 10) / 10;
  const small = count < SMALL_SAMPLE ? ' — too few to conclude' : '';
  return {
    ...base,
    ...judge(base.target, shown, (d) => d.toFixed(1), ''),
    value: `${shown.toFixed(1)}/${scale}`,
    basis: `Estimated by LUNA from ${digests} in ${WINDOW}${small}.`,
  };
}

function retentionReading(base: { name: string; target?: KpiTarget }, a: AccountFigures): KpiReading {
  const r = a.retention;
  const period = `the last ${r.periodDays === 365 ? '12 months' : `${r.periodDays} days`}`;
  if (r.rate === null) return { ...base, status: 'no_data', basis: `From the account book: no renewal with a status fell in ${period}.` };
  return {
    ...base,
    ...judge(base.target, r.rate, (d) => `${Math.round(d)}`, ' points'),
    value: `${r.rate}%`,
    basis: `From the account book: ${r.retained} of ${plural(r.retained + r.churned, 'account')} whose renewal fell in ${period} renewed or stayed active, ${r.churned} churned.`,
  };
}

function milestonesReading(base: { name: string; target?: KpiTarget }, a: AccountFigures): KpiReading {
  const m = a.milestones;
  if (m.rate === null) return { ...base, status: 'no_data', basis: 'From the account book: no account lists milestones_done and milestones_total.' };
  return {
    ...base,
    ...judge(base.target, m.rate, (d) => `${Math.round(d)}`, ' points'),
    value: `${m.rate}%`,
    basis: `From the account book: ${m.done} of ${m.total} milestones done across ${plural(m.accounts, 'account')} (the book does not say which were on time).`,
  };
}

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

function integrationReading(base: { name: string; target?: KpiTarget }, f: Figures): KpiReading {
  const { created, done } = f.actionItems;
  if (created === 0) return { ...base, status: 'no_data', basis: `Digest action items marked Done; no action items in ${WINDOW}.` };
  // An item created before the window and marked done inside it can push the ratio past 1.
  const rate = Math.round(Math.min(1, done / created) * 100);
  return {
    ...base,
    ...judge(base.target, rate, (d) => `${Math.round(d)}`, ' points'),
    value: `${rate}%`,
    basis: `${done} of ${created} digest action items marked Done in ${WINDOW}.`,
  };
}

function judge(target: KpiTarget | undefined, value: number, fmt: (d: number) => string, unit: string): Pick<KpiReading, 'status' | 'gap'> {
  if (!target) return { status: 'untargeted' };
  const t = target.value;
  const met = { '>': value > t, '>=': value >= t, '<': value < t, '<=': value <= t }[target.comparator];
  if (met) return { status: 'met', gap: 'on target' };
  const upward = target.comparator === '>' || target.comparator === '>=';
  const diff = Math.abs(t - value);
  const amount = fmt(diff) === fmt(0) ? 'just' : `${fmt(diff)}${unit}`;
  return { status: 'below', gap: `${amount} ${upward ? 'below' : 'above'} target` };
}

/** Share of conversations LUNA kept, in whole percent; null before there is any. */
export function handledShare(f: Figures): { handled: number; escalated: number } | null {
  const { handled, escalated } = f.conversations;
  const total = handled + escalated;
  if (total === 0) return null;
  const h = Math.round((handled / total) * 100);
  return { handled: h, escalated: 100 - h };
}

export interface Helpfulness {
  /** Share of thumbs-up over the window, in whole percent; null before anyone voted. */
  share: number | null;
  /** Votes over the window. */
  count: number;
  /** Share of thumbs-up per week, oldest first; null for a week without votes. */
  trend: Array<number | null>;
}

/** Answer helpfulness, measured from the feedback buttons on LUNA's answers. */
export function helpfulness(f: Figures): Helpfulness {
  const share = (up: number, total: number) => (total === 0 ? null : Math.round((up / total) * 100));
  const up = f.feedback.reduce((a, w) => a + w.positive, 0);
  const count = f.feedback.reduce((a, w) => a + w.positive + w.negative, 0);
  return { share: share(up, count), count, trend: f.feedback.map((w) => share(w.positive, w.positive + w.negative)) };
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A week-per-character trend of percentages (`·` for a week without data): `▅▆·█`. */
export function sparkline(values: ReadonlyArray<number | null>): string {
  return values.map((v) => (v === null ? '·' : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / 100) * SPARKS.length))])).join('');
}

/** "14 min", "2.5 h", "3.1 days". */
export function duration(minutes: number): string {
  if (minutes < 90) return `${Math.max(1, Math.round(minutes))} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} days`;
}
