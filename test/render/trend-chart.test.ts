import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  chartAltText,
  chartHash,
  renderTrendChart,
  trendChartSvg,
  widestLabel,
  type TrendChart,
} from '../../src/render/trend-chart.js';
import { decodePng, inkShare, pixel } from '../helpers/png.js';

const fixture = async (): Promise<TrendChart> =>
  JSON.parse(await readFile('test/fixtures/home/trend.json', 'utf8')) as TrendChart;
/** Pixels close to a colour (anti-aliasing aside). */
function count(
  img: ReturnType<typeof decodePng>,
  rgb: [number, number, number],
  region: { x: number; y: number; w: number; h: number },
): number {
  let n = 0;
  for (let y = region.y; y < region.y + region.h; y++) {
    for (let x = region.x; x < region.x + region.w; x++) {
      const [r, g, b] = pixel(img, x, y);
      if (Math.abs(r - rgb[0]) + Math.abs(g - rgb[1]) + Math.abs(b - rgb[2]) < 40) n++;
    }
  }
  return n;
}

describe('the App Home trend chart', () => {
  it('renders the fixture weeks as a PNG: CSAT line above, escalation bars below, not blank', async () => {
    const chart = await fixture();
    const picture = await renderTrendChart(chart);
    const img = decodePng(picture.png);
    expect([img.width, img.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    expect(inkShare(img)).toBeGreaterThan(0.05);
    // The CSAT line (accent purple) lives in the upper panel, the bars (orange) in the lower one.
    const upper = { x: 100, y: 260, w: 1310, h: 310 };
    const lower = { x: 100, y: 660, w: 1310, h: 145 };
    expect(count(img, [0x4b, 0x3f, 0xd1], upper)).toBeGreaterThan(2000);
    expect(count(img, [0xe0, 0x7a, 0x1f], lower)).toBeGreaterThan(5000);
    expect(count(img, [0xe0, 0x7a, 0x1f], upper)).toBe(0);

    if (process.env.LUNA_WRITE_DOCS === '1') {
      await mkdir('docs', { recursive: true });
      await writeFile('docs/app-home-chart.png', picture.png);
    }
  });

  it('keeps the data honest: a week without digests breaks the line, week labels fit their columns', async () => {
    const chart = await fixture();
    const svg = trendChartSvg(chart);
    // 8 points, one without CSAT: two line pieces (2 points, then 5), seven dots, one "no digest".
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(7);
    expect(svg.match(/>no digest</g)).toHaveLength(1);
    expect(svg).toContain('>This week<');
    expect(svg).toContain('>&gt; 4.5<');
    const { width, column } = widestLabel(chart);
    expect(width).toBeLessThan(column - 8);
    const empty = trendChartSvg({ points: chart.points.map((p) => ({ ...p, csat: null, escalations: 0 })) });
    expect(empty).toContain('No feedback digests in the last 8 weeks');
    expect(empty).not.toContain('<polyline');
  });

  it('describes itself in words and hashes what it draws', async () => {
    const chart = await fixture();
    expect(chartAltText(chart)).toContain(
      'week of 13 Oct: CSAT none, 1 escalation; week of 20 Oct: CSAT 3.6, 7 escalations',
    );
    expect(chartAltText(chart)).toContain('this week: CSAT 4.8, 2 escalations');
    expect(chartHash(chart)).toBe(chartHash(structuredClone(chart)));
    const moved = structuredClone(chart);
    moved.points[7]!.escalations += 1;
    expect(chartHash(moved)).not.toBe(chartHash(chart));
  });
});
