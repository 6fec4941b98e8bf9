import { createHash } from 'node:crypto';
import { FONT_FAMILY, textWidth } from './font.js';
import { COLORS } from './journey-layout.js';
import { rasterize } from './journey-svg.js';
import { escapeAngles } from '../domain/text.js';

/**
 * The App Home trend chart: estimated CSAT per week (a line on a fixed 1–5 scale, with the persona's
 * target) above escalations opened per week (bars), sharing one row of week labels. Two panels rather than
 * two y-axes on one, so neither series can be misread against the other's scale. Rendered like the journey
 * map: SVG → PNG with resvg and only the shipped Inter font.
 */

export interface TrendPoint {
  /** "17 Nov"; the last point is shown as "This week". */
  label: string;
  csat: number | null;
  escalations: number;
}
export interface TrendChart {
  points: TrendPoint[];
  /** The persona's CSAT target on the 1–5 scale, drawn as a dashed line, and as the persona states it ("> 4.5"). */
  csatTarget?: { value: number; text: string };
}

/** Bump when the drawing changes, so cached uploads of the old drawing are not reused. */
export const CHART_VERSION = 1;
export const CHART_WIDTH = 1600;
export const CHART_HEIGHT = 900;

const INK = COLORS.ink;
const MUTED = COLORS.muted;
const CSAT_COLOR = COLORS.accent;
const ESC_COLOR = '#e07a1f';
const TARGET_COLOR = '#2e9e5b';
const BAND = '#f2f0ff';

const LEFT = 110;
const RIGHT = 1400; // the gutter to the right holds the target's label
const CSAT_TITLE_Y = 190;
const CSAT_TOP = 250;
const CSAT_BOTTOM = 510;
const ESC_TITLE_Y = 622;
const ESC_TOP = 650;
const ESC_BOTTOM = 800;
const LABEL_Y = 848;

const n = (v: number) => Number(v.toFixed(1));

interface TextStyle {
  size: number;
  fill?: string;
  bold?: boolean;
  anchor?: 'start' | 'middle' | 'end';
  /** A white outline under the glyphs, so a value stays legible where it crosses a line. */
  halo?: boolean;
}

function text(x: number, y: number, s: string, o: TextStyle): string {
  const weight = o.bold ? ' font-weight="700"' : '';
  const anchor = o.anchor && o.anchor !== 'start' ? ` text-anchor="${o.anchor}"` : '';
  const halo = o.halo ? ' stroke="#ffffff" stroke-width="7" stroke-linejoin="round" paint-order="stroke"' : '';
  return `<text x="${n(x)}" y="${n(y)}" font-size="${o.size}"${weight}${anchor}${halo} fill="${o.fill ?? INK}">${escapeAngles(s)}</text>`;
}

const csatY = (v: number) => CSAT_BOTTOM - ((Math.min(5, Math.max(1, v)) - 1) / 4) * (CSAT_BOTTOM - CSAT_TOP);

export function trendChartSvg(chart: TrendChart): string {
  const pts = chart.points;
  const col = (RIGHT - LEFT) / Math.max(1, pts.length);
  const cx = (i: number) => LEFT + (i + 0.5) * col;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="${FONT_FAMILY}">`,
    `<rect width="100%" height="100%" fill="${COLORS.page}"/>`,
    // This week's column, behind both panels.
    `<rect x="${n(LEFT + (pts.length - 1) * col)}" y="${CSAT_TOP - 50}" width="${n(col)}" height="${LABEL_Y + 18 - (CSAT_TOP - 50)}" rx="10" fill="${BAND}"/>`,
    text(LEFT - 60, 72, 'Estimated CSAT and escalations per week', { size: 42, bold: true }),
    text(LEFT - 60, 120, `Last ${pts.length} weeks · aggregates recorded by LUNA, no message content`, {
      size: 26,
      fill: MUTED,
    }),
    text(LEFT - 60, CSAT_TITLE_Y, 'Estimated CSAT (1–5, from feedback digests)', {
      size: 28,
      bold: true,
      fill: CSAT_COLOR,
    }),
  ];

  for (let v = 1; v <= 5; v++) {
    out.push(
      `<line x1="${LEFT}" y1="${n(csatY(v))}" x2="${RIGHT}" y2="${n(csatY(v))}" stroke="${COLORS.grid}" stroke-width="1.5"/>`,
    );
    out.push(text(LEFT - 24, csatY(v) + 9, String(v), { size: 26, fill: MUTED, anchor: 'end' }));
  }
  if (chart.csatTarget !== undefined) {
    const y = csatY(chart.csatTarget.value);
    out.push(
      `<line x1="${LEFT}" y1="${n(y)}" x2="${RIGHT}" y2="${n(y)}" stroke="${TARGET_COLOR}" stroke-width="3" stroke-dasharray="12 9"/>`,
    );
    out.push(text(RIGHT + 16, y - 6, 'Target', { size: 24, bold: true, fill: TARGET_COLOR }));
    out.push(text(RIGHT + 16, y + 24, chart.csatTarget.text, { size: 24, bold: true, fill: TARGET_COLOR }));
  }

  // Weeks without a digest break the line: no CSAT is not a CSAT of zero.
  const none = pts.every((p) => p.csat === null);
  if (none)
    out.push(
      text(
        (LEFT + RIGHT) / 2,
        (CSAT_TOP + CSAT_BOTTOM) / 2 + 10,
        `No feedback digests in the last ${pts.length} weeks`,
        {
          size: 28,
          fill: MUTED,
          anchor: 'middle',
          halo: true,
        },
      ),
    );
  let segment: string[] = [];
  const segments: string[][] = [];
  pts.forEach((p, i) => {
    if (p.csat === null) {
      if (segment.length) segments.push(segment);
      segment = [];
      if (!none)
        out.push(
          text(cx(i), (CSAT_TOP + CSAT_BOTTOM) / 2 + 8, 'no digest', {
            size: 22,
            fill: MUTED,
            anchor: 'middle',
            halo: true,
          }),
        );
    } else segment.push(`${n(cx(i))},${n(csatY(p.csat))}`);
  });
  if (segment.length) segments.push(segment);
  for (const s of segments) {
    if (s.length > 1)
      out.push(
        `<polyline points="${s.join(' ')}" fill="none" stroke="${CSAT_COLOR}" stroke-width="5" stroke-linejoin="round" stroke-linecap="round"/>`,
      );
  }
  pts.forEach((p, i) => {
    if (p.csat === null) return;
    const y = csatY(p.csat);
    out.push(`<circle cx="${n(cx(i))}" cy="${n(y)}" r="10" fill="${CSAT_COLOR}" stroke="#ffffff" stroke-width="3"/>`);
    // The value goes on the side the line does not come from: below a dip, above anything else.
    const neighbours = [pts[i - 1]?.csat, pts[i + 1]?.csat].filter((v): v is number => v !== null && v !== undefined);
    const dip = neighbours.length > 0 && neighbours.every((v) => v > p.csat!);
    out.push(
      text(cx(i), dip ? y + 40 : y - 22, formatCsat(p.csat), {
        size: 26,
        bold: true,
        fill: CSAT_COLOR,
        anchor: 'middle',
        halo: true,
      }),
    );
  });

  out.push(
    text(LEFT - 60, ESC_TITLE_Y, 'Escalations opened (handed to humans)', { size: 28, bold: true, fill: ESC_COLOR }),
  );
  const max = Math.max(1, ...pts.map((p) => p.escalations));
  const barW = Math.min(72, col * 0.5);
  pts.forEach((p, i) => {
    const h = p.escalations > 0 ? Math.max(6, (p.escalations / max) * (ESC_BOTTOM - ESC_TOP - 30)) : 0;
    if (h > 0)
      out.push(
        `<rect x="${n(cx(i) - barW / 2)}" y="${n(ESC_BOTTOM - h)}" width="${n(barW)}" height="${n(h)}" rx="6" fill="${ESC_COLOR}"/>`,
      );
    out.push(
      text(cx(i), ESC_BOTTOM - h - 10, String(p.escalations), {
        size: 26,
        bold: true,
        fill: p.escalations ? ESC_COLOR : MUTED,
        anchor: 'middle',
      }),
    );
  });
  out.push(
    `<line x1="${LEFT}" y1="${ESC_BOTTOM}" x2="${RIGHT}" y2="${ESC_BOTTOM}" stroke="${MUTED}" stroke-width="2"/>`,
  );

  pts.forEach((p, i) => {
    const current = i === pts.length - 1;
    out.push(
      text(cx(i), LABEL_Y, current ? 'This week' : p.label, {
        size: 24,
        bold: current,
        fill: current ? INK : MUTED,
        anchor: 'middle',
      }),
    );
  });
  out.push(text(LEFT - 60, CHART_HEIGHT - 16, 'Week starting (UTC)', { size: 20, fill: MUTED }));
  out.push('</svg>');
  return out.join('\n');
}

function formatCsat(v: number): string {
  return v.toFixed(1);
}

/** Width of the widest week label, for tests that check labels fit their columns. */
export function widestLabel(chart: TrendChart): { width: number; column: number } {
  const col = (RIGHT - LEFT) / Math.max(1, chart.points.length);
  const width = Math.max(textWidth('This week', 24, 'bold'), ...chart.points.map((p) => textWidth(p.label, 24)));
  return { width, column: col };
}

export interface ChartPicture {
  png: Buffer;
  width: number;
  height: number;
}

export async function renderTrendChart(chart: TrendChart): Promise<ChartPicture> {
  const { png, width, height } = await rasterize(trendChartSvg(chart));
  return { png, width, height };
}

/** Identifies what the picture shows: equal data, equal hash, so an upload can be reused. */
export function chartHash(chart: TrendChart): string {
  const data = {
    v: CHART_VERSION,
    t: chart.csatTarget ?? null,
    p: chart.points.map((p) => [p.label, p.csat === null ? null : Number(p.csat.toFixed(2)), p.escalations]),
  };
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

/** The chart as words, for screen readers and for anyone whose client does not load the picture. */
export function chartAltText(chart: TrendChart): string {
  const weeks = chart.points.map((p, i) => {
    const label = i === chart.points.length - 1 ? 'this week' : `week of ${p.label}`;
    return `${label}: CSAT ${p.csat === null ? 'none' : formatCsat(p.csat)}, ${p.escalations} escalation${p.escalations === 1 ? '' : 's'}`;
  });
  const target = chart.csatTarget ? ` CSAT target ${chart.csatTarget.text}.` : '';
  return `Estimated CSAT and escalations per week, last ${chart.points.length} weeks.${target} ${weeks.join('; ')}.`;
}
