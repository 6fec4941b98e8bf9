import type { KpiTarget } from '../personas/kpis.js';
import { DASHBOARD_WEEKS, type AccountFigures, type Figures } from './dashboard.js';

// Each persona KPI judged against its target, with the basis of the figure (where it comes from and how much
// of it there is), in the words the App Home shows.

/** Fewer digests than this and a CSAT mean carries a "too few to conclude" note, as the persona asks. */
export const SMALL_SAMPLE = 5;
const WINDOW = `the last ${DASHBOARD_WEEKS} weeks`;

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
      return {
        ...base,
        status: 'not_measured',
        basis: 'Not measured by LUNA: it needs the account book (LUNA_ACCOUNTS, a CRM export).',
      };
    }
    return {
      ...base,
      status: 'not_measured',
      basis: 'Not measured by LUNA: it needs data from outside Slack (CRM, product usage).',
    };
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
  const rate = m.surveys ? Math.round((m.responded / m.surveys) * 100) : 0;
  const small = m.responses < SMALL_SAMPLE ? ' — too few to conclude' : '';
  return {
    ...base,
    ...csatFigure(base.target, m.average),
    basis: `Measured from CSAT surveys: ${plural(m.responses, 'response')}, ${m.responded} of ${plural(m.surveys, 'survey')} answered (${rate}% response rate) in ${WINDOW}${small}.`,
    detail: [
      estimate.value
        ? `Estimated from feedback digests: ${estimate.value} — ${estimate.basis}`
        : `Estimated from feedback digests: no digest in ${WINDOW}.`,
    ],
  };
}

/** CSAT as the digests estimate it (the only CSAT figure before surveys have answers). */
function csatEstimate(base: { name: string; target?: KpiTarget }, f: Figures): KpiReading {
  const { value, count } = f.csat;
  const digests = `${count} digest${count === 1 ? '' : 's'}`;
  if (value === null)
    return { ...base, status: 'no_data', basis: `Estimated from feedback digests; no digest in ${WINDOW}.` };
  const small = count < SMALL_SAMPLE ? ' — too few to conclude' : '';
  return {
    ...base,
    ...csatFigure(base.target, value),
    basis: `Estimated by LUNA from ${digests} in ${WINDOW}${small}.`,
  };
}

/**
 * A CSAT mean (1–5, as digests estimate it and surveys measure it) on the persona's own scale (CSAT out of 10,
 * say), judged as shown, so the value and the gap printed beside it always add up.
 */
function csatFigure(target: KpiTarget | undefined, mean: number): Pick<KpiReading, 'status' | 'gap' | 'value'> {
  const scale = typeof target?.unit === 'number' ? target.unit : 5;
  const shown = Math.round(((mean * scale) / 5) * 10) / 10;
  return { ...judge(target, shown, (d) => d.toFixed(1), ''), value: `${shown.toFixed(1)}/${scale}` };
}

function retentionReading(base: { name: string; target?: KpiTarget }, a: AccountFigures): KpiReading {
  const r = a.retention;
  const period = `the last ${r.periodDays === 365 ? '12 months' : `${r.periodDays} days`}`;
  if (r.rate === null)
    return { ...base, status: 'no_data', basis: `From the account book: no renewal with a status fell in ${period}.` };
  return {
    ...base,
    ...judge(base.target, r.rate, (d) => `${Math.round(d)}`, ' points'),
    value: `${r.rate}%`,
    basis: `From the account book: ${r.retained} of ${plural(r.retained + r.churned, 'account')} whose renewal fell in ${period} renewed or stayed active, ${r.churned} churned.`,
  };
}

function milestonesReading(base: { name: string; target?: KpiTarget }, a: AccountFigures): KpiReading {
  const m = a.milestones;
  if (m.rate === null)
    return {
      ...base,
      status: 'no_data',
      basis: 'From the account book: no account lists milestones_done and milestones_total.',
    };
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
  if (created === 0)
    return { ...base, status: 'no_data', basis: `Digest action items marked Done; no action items in ${WINDOW}.` };
  // An item created before the window and marked done inside it can push the ratio past 1.
  const rate = Math.round(Math.min(1, done / created) * 100);
  return {
    ...base,
    ...judge(base.target, rate, (d) => `${Math.round(d)}`, ' points'),
    value: `${rate}%`,
    basis: `${done} of ${created} digest action items marked Done in ${WINDOW}.`,
  };
}

function judge(
  target: KpiTarget | undefined,
  value: number,
  fmt: (d: number) => string,
  unit: string,
): Pick<KpiReading, 'status' | 'gap'> {
  if (!target) return { status: 'untargeted' };
  const t = target.value;
  const met = { '>': value > t, '>=': value >= t, '<': value < t, '<=': value <= t }[target.comparator];
  if (met) return { status: 'met', gap: 'on target' };
  const upward = target.comparator === '>' || target.comparator === '>=';
  const diff = Math.abs(t - value);
  const amount = fmt(diff) === fmt(0) ? 'just' : `${fmt(diff)}${unit}`;
  return { status: 'below', gap: `${amount} ${upward ? 'below' : 'above'} target` };
}
