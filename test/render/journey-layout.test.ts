import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { drawable, FONT_FAMILY, FONT_FILES, textWidth } from '../../src/render/font.js';
import { CANVAS_WIDTH, layoutJourney, type JourneyLayout, type LayoutBox } from '../../src/render/journey-layout.js';
import { wrapText } from '../../src/render/text-wrap.js';
import { acmeMap, syntheticMap } from '../fixtures/journey/maps.js';

const mono = (t: string) => t.length * 10; // a 10-px-per-character font makes widths easy to reason about

describe('wrapText', () => {
  it('breaks between words and never exceeds the width', () => {
    const lines = wrapText('the quick brown fox jumps over the lazy dog', 100, mono);
    expect(lines).toEqual(['the quick', 'brown fox', 'jumps over', 'the lazy', 'dog']);
    for (const l of lines) expect(mono(l)).toBeLessThanOrEqual(100);
  });

  it('breaks a word longer than the line, after a / or - when one is near', () => {
    expect(wrapText('abcdefghijklmnopqrstuvwxy', 100, mono)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxy']);
    expect(wrapText('example.com/onboarding/checklist', 120, mono)).toEqual([
      'example.com/',
      'onboarding/',
      'checklist',
    ]);
  });

  it('ends a cut with an ellipsis that still fits, and keeps empty text empty', () => {
    const lines = wrapText('one two three four five six seven eight', 100, mono, 2);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/…$/);
    expect(mono(lines[1]!)).toBeLessThanOrEqual(100);
    expect(wrapText('   ', 100, mono)).toEqual([]);
  });
});

describe('font metrics', () => {
  it('measure what resvg draws with the shipped font (never narrower, at most 4% wider)', () => {
    for (const [text, weight] of [
      ['Onboarding: connect SSO and import users', 'regular'],
      ['WWWW mmmm iiii 1234 — “quotes”', 'regular'],
      ['Value realisation', 'bold'],
    ] as const) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="60"><text x="0" y="40" font-family="${FONT_FAMILY}" font-size="20"${weight === 'bold' ? ' font-weight="700"' : ''}>${text}</text></svg>`;
      const drawn = new Resvg(svg, {
        font: { loadSystemFonts: false, fontFiles: Object.values(FONT_FILES), defaultFontFamily: FONT_FAMILY },
      }).getBBox()!.width;
      const estimate = textWidth(text, 20, weight);
      expect(estimate).toBeGreaterThanOrEqual(drawn);
      expect(estimate).toBeLessThanOrEqual(drawn * 1.04 + 4);
    }
  });

  it('drops characters the font cannot draw instead of showing boxes', () => {
    expect(drawable('Launch 🚀 day  \n 発売 ok')).toBe('Launch day ok');
    expect(drawable('Café – “naïve”')).toBe('Café – “naïve”');
  });
});

function intersects(a: LayoutBox, b: LayoutBox): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The promises the picture makes: on the canvas, no two boxes overlap, every line inside its box. */
function checkLayout(layout: JourneyLayout): void {
  expect(layout.width).toBe(CANVAS_WIDTH);
  for (const [i, a] of layout.boxes.entries()) {
    expect(a.x).toBeGreaterThanOrEqual(0);
    expect(a.x + a.w).toBeLessThanOrEqual(layout.width);
    expect(a.y + a.h).toBeLessThanOrEqual(layout.height);
    for (const b of layout.boxes.slice(i + 1)) {
      if (intersects(a, b)) throw new Error(`${a.kind} box at ${a.x},${a.y} overlaps ${b.kind} box at ${b.x},${b.y}`);
    }
    for (const l of a.lines) {
      const where = `"${l.text}" in ${a.kind} at ${a.x},${a.y}`;
      expect(l.x, where).toBeGreaterThanOrEqual(a.x);
      expect(l.x + textWidth(l.text, l.size, l.weight), where).toBeLessThanOrEqual(a.x + a.w);
      expect(l.y - l.size, where).toBeGreaterThanOrEqual(a.y);
      expect(l.y + l.size * 0.3, where).toBeLessThanOrEqual(a.y + a.h);
    }
  }
  // Lines of one box never share a baseline band (no text drawn over text).
  for (const b of layout.boxes) {
    const ys = b.lines.map((l) => l.y).sort((x, y) => x - y);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(12);
  }
}

describe('layoutJourney', () => {
  it.each([3, 5, 8])('lays out %i stages as columns with the emotion curve across them', (n) => {
    const layout = layoutJourney(syntheticMap(n));
    checkLayout(layout);
    const stages = layout.boxes.filter((b) => b.kind === 'stage');
    expect(stages).toHaveLength(n);
    expect(stages.map((s) => s.x)).toEqual([...stages.map((s) => s.x)].sort((a, b) => a - b));
    const bands = layout.boxes.filter((b) => b.kind === 'emotion');
    expect(layout.points).toHaveLength(n);
    layout.points.forEach((p, i) => {
      const band = bands[i]!;
      expect(p.x).toBeCloseTo(band.x + band.w / 2);
      expect(p.y).toBeGreaterThan(band.y);
      expect(p.y).toBeLessThan(band.y + band.h);
    });
    // Higher scores sit higher on the page.
    const byScore = [...layout.points].sort((a, b) => a.score - b.score);
    for (let i = 1; i < byScore.length; i++)
      if (byScore[i]!.score > byScore[i - 1]!.score) expect(byScore[i]!.y).toBeLessThan(byScore[i - 1]!.y);
  });

  it('wraps and clips long names, sentences and unbroken URLs without overlapping, at 3 and 8 stages', () => {
    for (const n of [3, 8]) {
      const layout = layoutJourney(syntheticMap(n, true));
      checkLayout(layout);
      const stage = layout.boxes.find((b) => b.kind === 'stage')!;
      expect(stage.lines.length).toBeGreaterThan(2); // the long stage name wrapped
      const all = layout.boxes.flatMap((b) => b.lines.map((l) => l.text));
      expect(all.some((t) => t.endsWith('…'))).toBe(true); // something was clipped, visibly
      expect(all).toContain('+2 more'); // six items, four shown
    }
  });

  it('shows the five persona KPIs with their targets, and only what the model said about them', () => {
    const texts = layoutJourney(acmeMap())
      .boxes.filter((b) => b.kind === 'kpi')
      .map((b) => b.lines.map((l) => l.text).join(' '));
    expect(texts).toHaveLength(5);
    expect(texts[0]).toContain('> 4.5/5');
    expect(texts[1]).toContain('> 90%');
    expect(texts[3]).toContain('Not measured in this journey');
  });
});
