import { proseLines } from './body.js';

/**
 * The KPI targets a persona states in its KPI section ("## KPIs and targets" with `- Name: above 4.5 out of 5`
 * lines, or a "Key Performance Indicators" table with `| Name | >4.5/5 |` rows), so the App Home dashboard
 * judges each number against the target of the persona that is actually answering.
 */

export type KpiComparator = '>' | '>=' | '<' | '<=';
/** Which figure LUNA itself can measure for a KPI; everything else is shown as not measured by LUNA. */
export type KpiMetric = 'csat' | 'feedback_integration' | 'retention' | 'milestones' | 'unmeasured';

export interface KpiTarget {
  /** As the persona names it, without long parentheticals: "Customer satisfaction (CSAT)". */
  name: string;
  comparator: KpiComparator;
  value: number;
  /** `%` for a rate; otherwise the top of the scale (5 for "out of 5", "/5"). */
  unit: '%' | number;
  metric: KpiMetric;
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const KPI_HEADING = /\bKPIs?\b|key performance indicators?/i;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/;
const TABLE_ROW = /^\s*\|(.+)\|\s*$/;
const COMPARATORS: ReadonlyArray<[RegExp, KpiComparator]> = [
  [/^(?:>=|≥|at least|no less than)$/i, '>='],
  [/^(?:<=|≤|at most|no more than)$/i, '<='],
  [/^(?:>|above|over|more than|greater than|higher than)$/i, '>'],
  [/^(?:<|below|under|less than|lower than)$/i, '<'],
];
const TARGET =
  /(>=|≥|<=|≤|>|<|at least|no less than|at most|no more than|above|over|more than|greater than|higher than|below|under|less than|lower than)\s*(\d+(?:\.\d+)?)\s*(%|\/\s*\d+|out of\s+\d+)?/i;

/** Targets in the order the persona lists them; a persona without a KPI section has none. */
export function parseKpiTargets(body: string): KpiTarget[] {
  const out: KpiTarget[] = [];
  for (const line of kpiSection(proseLines(body))) {
    const row = TABLE_ROW.exec(line)?.[1]
      ?.split('|')
      .map((c) => c.trim());
    const item = LIST_ITEM.exec(line)?.[1];
    let name: string | undefined;
    let target: string | undefined;
    if (row && row.length >= 2) [name, target] = [row[0], row.slice(1).join(' ')];
    else if (item) {
      const colon = item.lastIndexOf(':');
      if (colon > 0) [name, target] = [item.slice(0, colon), item.slice(colon + 1)];
    }
    const parsed = name && target ? parseTarget(target) : undefined;
    const label = name ? cleanName(name) : '';
    if (parsed && label) out.push({ name: label, ...parsed, metric: metricOf(label) });
  }
  return out;
}

function parseTarget(text: string): Omit<KpiTarget, 'name' | 'metric'> | undefined {
  const m = TARGET.exec(text.replace(/[*_`]/g, ''));
  if (!m) return undefined;
  const comparator = COMPARATORS.find(([re]) => re.test(m[1]!.trim()))![1];
  const scale = m[3]?.match(/\d+/)?.[0];
  return { comparator, value: Number(m[2]), unit: m[3] === '%' ? '%' : scale ? Number(scale) : '%' };
}

/** Lines under the first heading naming KPIs, up to the next heading of the same or a higher level. */
function kpiSection(lines: string[]): string[] {
  const start = lines.findIndex((l) => KPI_HEADING.test(HEADING.exec(l)?.[2] ?? ''));
  if (start === -1) return [];
  const level = HEADING.exec(lines[start]!)![1]!.length;
  const section: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const h = HEADING.exec(line);
    if (h && h[1]!.length <= level) break;
    section.push(line);
  }
  return section;
}

/** Emphasis dropped; a parenthetical kept only when it is a short acronym such as "(CSAT)". */
function cleanName(name: string): string {
  return name
    .replace(/[*_`]/g, '')
    .replace(/\s*\(([^)]*)\)/g, (_all, inner: string) =>
      /^[A-Z]{2,6}$/.test(inner.trim()) ? ` (${inner.trim()})` : '',
    )
    .replace(/\s+/g, ' ')
    .trim();
}

function metricOf(name: string): KpiMetric {
  if (/satisfaction|\bCSAT\b/i.test(name)) return 'csat';
  if (/feedback/i.test(name)) return 'feedback_integration';
  if (/retention|renewal/i.test(name)) return 'retention';
  if (/milestone/i.test(name)) return 'milestones';
  return 'unmeasured';
}

/** "> 4.5/5", "> 90%": the target as the dashboard prints it. */
export function targetText(t: Pick<KpiTarget, 'comparator' | 'value' | 'unit'>): string {
  const sign = { '>': '>', '>=': '≥', '<': '<', '<=': '≤' }[t.comparator];
  return `${sign} ${t.value}${t.unit === '%' ? '%' : `/${t.unit}`}`;
}
