import {
  emotionWord,
  EMOTION_MAX,
  EMOTION_MIN,
  kpisWithTargets,
  type JourneyMap,
  type JourneyStage,
} from '../domain/journey.js';
import type { KpiTarget } from '../personas/kpis.js';
import { drawable, textWidth, type FontWeight } from './font.js';
import { wrapText } from './text-wrap.js';

// Geometry of the journey-map picture, kept apart from SVG so it can be tested: stages are columns, rows
// run across them (emotion curve, feelings, actions, touchpoints, pain points, drivers, opportunities), and
// KPIs and assumptions close the page. Every piece of text sits in exactly one box, wrapped to its width.
//
// Longer than 250 lines on purpose: it is one page laid out top to bottom, and its constants, text flow and rows
// are read together when the picture changes; split, each part would need the others open beside it.

export const CANVAS_WIDTH = 1600;
const MARGIN = 40;
const LABEL_W = 170;
const GAP = 12;
const PAD = 12;
const BULLET_INDENT = 14;
const EMOTION_ROW_H = 230;
const MAX_ITEMS = 4;

export const COLORS = {
  page: '#ffffff',
  ink: '#1f2430',
  muted: '#5b6472',
  accent: '#4b3fd1',
  onAccent: '#ffffff',
  onAccentMuted: '#dcd8ff',
  grid: '#d5d9e0',
  curve: '#4b3fd1',
  emotion: ['#d64545', '#ee8a35', '#d9a91e', '#72ad3c', '#2e9e5b'],
} as const;

export interface TextLine {
  text: string;
  x: number;
  /** Baseline. */
  y: number;
  size: number;
  weight: FontWeight;
  fill: string;
}
export interface Bullet {
  cx: number;
  cy: number;
  r: number;
  fill: string;
}
export type BoxKind = 'title' | 'row-label' | 'stage' | 'emotion' | 'cell' | 'kpi' | 'assumptions' | 'footer';
export interface LayoutBox {
  kind: BoxKind;
  x: number;
  y: number;
  w: number;
  h: number;
  fill?: string;
  /** A colour bar down the left edge (row labels), so a row reads as one band. */
  accent?: string;
  lines: TextLine[];
  bullets: Bullet[];
}
export interface EmotionPoint {
  x: number;
  y: number;
  score: number;
}
export interface JourneyLayout {
  width: number;
  height: number;
  boxes: LayoutBox[];
  /** Emotion levels EMOTION_MAX…EMOTION_MIN as horizontal guides across the stage columns. */
  levels: Array<{ score: number; y: number; x1: number; x2: number }>;
  points: EmotionPoint[];
}

interface Para {
  text: string;
  size: number;
  weight?: FontWeight;
  fill?: string;
  maxLines?: number;
  bullet?: string;
  /** Align with bulleted text (for lines that belong to the item above). */
  indent?: boolean;
  /** Extra space above this paragraph. */
  gap?: number;
}

const lineHeight = (size: number) => Math.round(size * 1.38);

/** Lays paragraphs out top-down in a column `width` wide; returns the lines, bullets and height used. */
function flow(
  paras: Para[],
  x: number,
  top: number,
  width: number,
): { lines: TextLine[]; bullets: Bullet[]; height: number } {
  const lines: TextLine[] = [];
  const bullets: Bullet[] = [];
  let cursor = 0;
  for (const p of paras) {
    const text = drawable(p.text);
    if (!text) continue;
    if (lines.length > 0) cursor += p.gap ?? 0;
    const weight = p.weight ?? 'regular';
    const indent = p.bullet || p.indent ? BULLET_INDENT : 0;
    const wrapped = wrapText(text, width - indent, (t) => textWidth(t, p.size, weight), p.maxLines);
    const lh = lineHeight(p.size);
    wrapped.forEach((t, i) => {
      const baseline = top + cursor + Math.round(p.size * 1.02);
      if (i === 0 && p.bullet) bullets.push({ cx: x + 4, cy: baseline - p.size * 0.34, r: 3.5, fill: p.bullet });
      lines.push({ text: t, x: x + indent, y: baseline, size: p.size, weight, fill: p.fill ?? COLORS.ink });
      cursor += lh;
    });
  }
  return { lines, bullets, height: cursor };
}

function sizesFor(stages: number) {
  const body = stages <= 4 ? 17 : stages <= 6 ? 16 : 15;
  return { body, small: body - 2, stage: body + 3, label: 16 };
}

interface RowSpec {
  label: string;
  fill: string;
  accent: string;
  paras: (s: JourneyStage, sz: ReturnType<typeof sizesFor>) => Para[];
}

/** At most MAX_ITEMS items; the rest are counted, so a cut is visible. */
function capped<T>(values: T[], size: number, item: (v: T, i: number) => Para[]): Para[] {
  const shown = values.slice(0, MAX_ITEMS).flatMap(item);
  const more = values.length - MAX_ITEMS;
  return more > 0 ? [...shown, { text: `+${more} more`, size: size - 2, fill: COLORS.muted, gap: 4 }] : shown;
}

function list(values: string[], size: number, bullet: string): Para[] {
  return capped(values, size, (text, i) => [{ text, size, bullet, maxLines: 4, gap: i ? 6 : 0 }]);
}

const ROWS: RowSpec[] = [
  {
    label: 'Feels',
    fill: '#f4f5f8',
    accent: '#9aa3b2',
    paras: (s, sz) => [{ text: s.feeling, size: sz.body, maxLines: 4 }],
  },
  { label: 'Doing', fill: '#f4f5f8', accent: '#9aa3b2', paras: (s, sz) => list(s.actions, sz.body, '#7d8696') },
  {
    label: 'Touchpoints',
    fill: '#f4f5f8',
    accent: '#9aa3b2',
    paras: (s, sz) => list(s.touchpoints, sz.body, '#7d8696'),
  },
  {
    label: 'Pain points',
    fill: '#fdeeee',
    accent: '#d64545',
    paras: (s, sz) => list(s.painPoints, sz.body, '#d64545'),
  },
  {
    label: 'Satisfaction drivers',
    fill: '#eaf3fc',
    accent: '#2f7ed8',
    paras: (s, sz) => list(s.satisfactionDrivers, sz.body, '#2f7ed8'),
  },
  {
    label: 'Opportunities',
    fill: '#e8f6ee',
    accent: '#2e9e5b',
    paras: (s, sz) =>
      capped(s.opportunities, sz.body, (o, i) => [
        { text: o.idea, size: sz.body, bullet: '#2e9e5b', maxLines: 4, gap: i ? 10 : 0 },
        {
          text: `Owner: ${o.owner}`,
          size: sz.small,
          weight: 'bold',
          fill: '#23734a',
          indent: true,
          maxLines: 2,
          gap: 2,
        },
        { text: `Metric: ${o.metric}`, size: sz.small, fill: COLORS.muted, indent: true, maxLines: 3 },
      ]),
  },
];

/** `targets`: the KPI targets the answering persona states (the built-in ones otherwise). */
export function layoutJourney(map: JourneyMap, targets: readonly KpiTarget[] = []): JourneyLayout {
  const n = map.stages.length;
  const sz = sizesFor(n);
  const contentX = MARGIN + LABEL_W + GAP;
  const colW = (CANVAS_WIDTH - MARGIN - contentX - (n - 1) * GAP) / n;
  const colX = (i: number) => contentX + i * (colW + GAP);
  const fullW = CANVAS_WIDTH - 2 * MARGIN;
  const boxes: LayoutBox[] = [];
  let y = MARGIN;

  const title = flow(
    [
      { text: 'CUSTOMER JOURNEY MAP', size: 14, weight: 'bold', fill: COLORS.accent },
      { text: map.scenario, size: 32, weight: 'bold', maxLines: 2, gap: 4 },
      { text: `Actor: ${map.actor}`, size: 18, fill: COLORS.muted, maxLines: 2, gap: 4 },
    ],
    MARGIN,
    y,
    fullW,
  );
  boxes.push({ kind: 'title', x: MARGIN, y, w: fullW, h: title.height, lines: title.lines, bullets: [] });
  y += title.height + 24;

  // A row: a label box on the left and one box per stage, all as tall as the tallest content.
  const row = (label: string, cells: Array<{ paras: Para[]; fill: string }>, kind: BoxKind, accent: string) => {
    const lab = flow(
      [{ text: label, size: sz.label, weight: 'bold', maxLines: 3 }],
      MARGIN + PAD,
      y + PAD,
      LABEL_W - 2 * PAD,
    );
    const flows = cells.map((c, i) => flow(c.paras, colX(i) + PAD, y + PAD, colW - 2 * PAD));
    const h = Math.max(lab.height, ...flows.map((f) => f.height)) + 2 * PAD;
    boxes.push({ kind: 'row-label', x: MARGIN, y, w: LABEL_W, h, accent, lines: lab.lines, bullets: [] });
    flows.forEach((f, i) =>
      boxes.push({ kind, x: colX(i), y, w: colW, h, fill: cells[i]!.fill, lines: f.lines, bullets: f.bullets }),
    );
    y += h + GAP;
  };

  row(
    'Stage',
    map.stages.map((s, i) => ({
      fill: COLORS.accent,
      paras: [
        { text: `STAGE ${i + 1}`, size: 12, weight: 'bold', fill: COLORS.onAccentMuted },
        { text: s.name, size: sz.stage, weight: 'bold', fill: COLORS.onAccent, maxLines: 3, gap: 2 },
        { text: s.goal, size: sz.small, fill: COLORS.onAccentMuted, maxLines: 4, gap: 6 },
      ],
    })),
    'stage',
    COLORS.accent,
  );

  const emotion = layoutEmotion(map, y, sz.small, colX, colW);
  boxes.push(...emotion.boxes);
  y += EMOTION_ROW_H + GAP;

  for (const spec of ROWS)
    row(
      spec.label,
      map.stages.map((s) => ({ paras: spec.paras(s, sz), fill: spec.fill })),
      'cell',
      spec.accent,
    );

  y = layoutKpis(map, targets, y, contentX, boxes) + GAP;
  const assumptions = map.assumptions.slice(0, MAX_ITEMS);
  if (assumptions.length) {
    const width = CANVAS_WIDTH - MARGIN - contentX;
    const paras = list(assumptions, sz.small + 1, COLORS.muted).map((p) => ({ ...p, maxLines: 2, fill: COLORS.muted }));
    const f = flow(paras, contentX + PAD, y + PAD, width - 2 * PAD);
    const lab = flow(
      [{ text: 'Assumptions to confirm', size: sz.label, weight: 'bold', maxLines: 3 }],
      MARGIN + PAD,
      y + PAD,
      LABEL_W - 2 * PAD,
    );
    const h = Math.max(f.height, lab.height) + 2 * PAD;
    boxes.push({ kind: 'row-label', x: MARGIN, y, w: LABEL_W, h, accent: '#9aa3b2', lines: lab.lines, bullets: [] });
    boxes.push({
      kind: 'assumptions',
      x: contentX,
      y,
      w: width,
      h,
      fill: '#f8f8fb',
      lines: f.lines,
      bullets: f.bullets,
    });
    y += h + GAP;
  }
  const footnote = 'Made by LUNA. Scores and assumptions are a first draft: confirm them with the account team.';
  const foot = flow([{ text: footnote, size: 13, fill: COLORS.muted }], MARGIN, y + 4, fullW);
  boxes.push({ kind: 'footer', x: MARGIN, y: y + 4, w: fullW, h: foot.height, lines: foot.lines, bullets: [] });
  y += 4 + foot.height;

  return { width: CANVAS_WIDTH, height: Math.ceil(y + MARGIN), boxes, levels: emotion.levels, points: emotion.points };
}

/** The emotion band: level labels in the label column, one box per stage, a point per stage at its score. */
function layoutEmotion(map: JourneyMap, y: number, size: number, colX: (i: number) => number, colW: number) {
  const top = y + 52;
  const bottom = y + EMOTION_ROW_H - 26;
  const levelY = (score: number) => top + ((EMOTION_MAX - score) * (bottom - top)) / (EMOTION_MAX - EMOTION_MIN);
  const labelLines: TextLine[] = [
    { text: 'Emotion', x: MARGIN + PAD, y: y + PAD + 16, size: 16, weight: 'bold', fill: COLORS.ink },
  ];
  const levels: JourneyLayout['levels'] = [];
  for (let score = EMOTION_MAX; score >= EMOTION_MIN; score--) {
    const ly = levelY(score);
    labelLines.push({
      text: `${score} ${emotionWord(score)}`,
      x: MARGIN + PAD,
      y: ly + size * 0.35,
      size,
      weight: 'regular',
      fill: COLORS.muted,
    });
    levels.push({ score, y: ly, x1: colX(0), x2: colX(map.stages.length - 1) + colW });
  }
  const boxes: LayoutBox[] = [
    {
      kind: 'row-label',
      x: MARGIN,
      y,
      w: LABEL_W,
      h: EMOTION_ROW_H,
      accent: COLORS.curve,
      lines: labelLines,
      bullets: [],
    },
  ];
  const points = map.stages.map((s, i) => {
    boxes.push({ kind: 'emotion', x: colX(i), y, w: colW, h: EMOTION_ROW_H, fill: '#fafafc', lines: [], bullets: [] });
    return { x: colX(i) + colW / 2, y: levelY(s.emotion), score: s.emotion };
  });
  return { boxes, levels, points };
}

/** One box per persona KPI, each with its target in large type and how to measure it here. */
function layoutKpis(
  map: JourneyMap,
  targets: readonly KpiTarget[],
  y: number,
  contentX: number,
  boxes: LayoutBox[],
): number {
  const kpis = kpisWithTargets(map, targets);
  const w = (CANVAS_WIDTH - MARGIN - contentX - (kpis.length - 1) * GAP) / kpis.length;
  const flows = kpis.map((k, i) =>
    flow(
      [
        { text: k.label, size: 15, weight: 'bold', maxLines: 2 },
        { text: k.target, size: 26, weight: 'bold', fill: COLORS.accent, gap: 2 },
        { text: k.measure ?? 'Not measured in this journey', size: 14, fill: COLORS.muted, maxLines: 4, gap: 4 },
      ],
      contentX + i * (w + GAP) + PAD,
      y + PAD,
      w - 2 * PAD,
    ),
  );
  const lab = flow(
    [{ text: 'KPIs and targets', size: 16, weight: 'bold', maxLines: 3 }],
    MARGIN + PAD,
    y + PAD,
    LABEL_W - 2 * PAD,
  );
  const h = Math.max(lab.height, ...flows.map((f) => f.height)) + 2 * PAD;
  boxes.push({ kind: 'row-label', x: MARGIN, y, w: LABEL_W, h, accent: COLORS.accent, lines: lab.lines, bullets: [] });
  flows.forEach((f, i) =>
    boxes.push({ kind: 'kpi', x: contentX + i * (w + GAP), y, w, h, fill: '#f1effe', lines: f.lines, bullets: [] }),
  );
  return y + h;
}
