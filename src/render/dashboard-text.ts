// How the App Home writes its figures: dates, durations and week-by-week trends.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "17 Nov". */
export function dayMonth(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A week-per-character trend of percentages (`·` for a week without data): `▅▆·█`. */
export function sparkline(values: ReadonlyArray<number | null>): string {
  return values
    .map((v) => (v === null ? '·' : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / 100) * SPARKS.length))]))
    .join('');
}

/** "14 min", "2.5 h", "3.1 days". */
export function duration(minutes: number): string {
  if (minutes < 90) return `${Math.max(1, Math.round(minutes))} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} days`;
}
