import { renderAsync } from '@resvg/resvg-js';
import type { JourneyMap } from '../domain/journey.js';
import type { KpiTarget } from '../personas/kpis.js';
import { FONT_FAMILY, FONT_FILES } from './font.js';
import {
  CANVAS_WIDTH,
  COLORS,
  layoutJourney,
  type EmotionPoint,
  type JourneyLayout,
  type LayoutBox,
} from './journey-layout.js';
import { escapeAngles } from '../domain/text.js';

/** The journey-map picture: layout → SVG → PNG with resvg, using only the fonts shipped in assets/fonts. */

const DOT_R = 17;

const n = (v: number) => Number(v.toFixed(1));

function boxSvg(b: LayoutBox): string {
  const out: string[] = [];
  if (b.fill)
    out.push(`<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.w)}" height="${n(b.h)}" rx="8" fill="${b.fill}"/>`);
  if (b.accent) out.push(`<rect x="${n(b.x)}" y="${n(b.y)}" width="4" height="${n(b.h)}" rx="2" fill="${b.accent}"/>`);
  for (const d of b.bullets) out.push(`<circle cx="${n(d.cx)}" cy="${n(d.cy)}" r="${d.r}" fill="${d.fill}"/>`);
  for (const l of b.lines) {
    const weight = l.weight === 'bold' ? ' font-weight="700"' : '';
    out.push(
      `<text x="${n(l.x)}" y="${n(l.y)}" font-size="${l.size}"${weight} fill="${l.fill}">${escapeAngles(l.text, { quotes: true })}</text>`,
    );
  }
  return out.join('');
}

/** Horizontal tangents at every point: the curve is smooth and never overshoots above 5 or below 1. */
function curvePath(points: EmotionPoint[]): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M${n(first!.x)},${n(first!.y)}`;
  let prev = first!;
  for (const p of rest) {
    const mid = (prev.x + p.x) / 2;
    d += ` C${n(mid)},${n(prev.y)} ${n(mid)},${n(p.y)} ${n(p.x)},${n(p.y)}`;
    prev = p;
  }
  return d;
}

export function journeySvg(layout: JourneyLayout): string {
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" ` +
      `viewBox="0 0 ${layout.width} ${layout.height}" font-family="${FONT_FAMILY}">`,
    `<rect width="100%" height="100%" fill="${COLORS.page}"/>`,
    ...layout.boxes.map(boxSvg),
    ...layout.levels.map(
      (l) =>
        `<line x1="${n(l.x1)}" y1="${n(l.y)}" x2="${n(l.x2)}" y2="${n(l.y)}" stroke="${COLORS.grid}" stroke-width="1.5" stroke-dasharray="5 6"/>`,
    ),
    `<path d="${curvePath(layout.points)}" fill="none" stroke="${COLORS.curve}" stroke-width="4" stroke-linecap="round"/>`,
    ...layout.points.map((p) => {
      const color = COLORS.emotion[Math.min(4, Math.max(0, Math.round(p.score) - 1))];
      return (
        `<circle cx="${n(p.x)}" cy="${n(p.y)}" r="${DOT_R}" fill="${color}" stroke="#ffffff" stroke-width="3"/>` +
        `<text x="${n(p.x)}" y="${n(p.y + 6)}" font-size="17" font-weight="700" fill="#ffffff" text-anchor="middle">${p.score}</text>`
      );
    }),
    '</svg>',
  ];
  return parts.join('\n');
}

export interface JourneyPicture {
  png: Buffer;
  width: number;
  height: number;
}

/** Rasterises on libuv's thread pool, so a large map does not stall the worker's other jobs. */
export async function rasterize(svg: string): Promise<{ png: Buffer; width: number; height: number; pixels: Buffer }> {
  const image = await renderAsync(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [FONT_FILES.regular, FONT_FILES.bold],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'width', value: CANVAS_WIDTH },
    background: COLORS.page,
    logLevel: 'off',
  });
  return { png: image.asPng(), width: image.width, height: image.height, pixels: image.pixels };
}

export async function renderJourneyPng(map: JourneyMap, targets: readonly KpiTarget[] = []): Promise<JourneyPicture> {
  const { png, width, height } = await rasterize(journeySvg(layoutJourney(map, targets)));
  return { png, width, height };
}
