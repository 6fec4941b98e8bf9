import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The one font family LUNA's pictures use (Inter, SIL OFL 1.1, in assets/fonts/), and its advance widths
 * read straight from the font files, so text is wrapped against the same metrics the renderer draws with.
 * Only these files are given to the renderer — never system fonts — so a picture looks the same anywhere.
 */

export const FONT_FAMILY = 'Inter';
export type FontWeight = 'regular' | 'bold';

// src/render and dist/render are both two levels below the project root, where assets/ lives.
const FONT_DIR = new URL('../../assets/fonts/', import.meta.url);
export const FONT_FILES: Record<FontWeight, string> = {
  regular: fileURLToPath(new URL('Inter-Regular.ttf', FONT_DIR)),
  bold: fileURLToPath(new URL('Inter-Bold.ttf', FONT_DIR)),
};

interface Metrics {
  unitsPerEm: number;
  /** Advance width in font units by code point; absent = the font has no glyph for it. */
  advances: Map<number, number>;
}

const cache = new Map<FontWeight, Metrics>();

function metrics(weight: FontWeight): Metrics {
  let m = cache.get(weight);
  if (!m) {
    m = readMetrics(readFileSync(FONT_FILES[weight]));
    cache.set(weight, m);
  }
  return m;
}

/** Width in px of `text` set in `size` px. Kerning is ignored; Inter's kerning only ever narrows Latin text. */
export function textWidth(text: string, size: number, weight: FontWeight = 'regular'): number {
  const m = metrics(weight);
  const fallback = m.advances.get(0x3f) ?? m.unitsPerEm / 2; // what a missing glyph costs, if one slips through
  let units = 0;
  for (const ch of text) units += m.advances.get(ch.codePointAt(0)!) ?? fallback;
  return (units * size) / m.unitsPerEm;
}

/**
 * The text as the picture can show it: characters the font has no glyph for (emoji, CJK) would render as
 * nothing or as boxes, so they are dropped, and whitespace is collapsed.
 */
export function drawable(text: string): string {
  const m = metrics('regular');
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (/\s/.test(ch)) out += ' ';
    else if (m.advances.has(ch.codePointAt(0)!)) out += ch;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Reads `head`, `hhea`, `hmtx` and `cmap` (formats 4 and 12) from a TrueType file. */
function readMetrics(buf: Buffer): Metrics {
  const tables = new Map<string, number>();
  const numTables = buf.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    tables.set(buf.toString('latin1', rec, rec + 4), buf.readUInt32BE(rec + 8));
  }
  const at = (tag: string) => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`font has no ${tag} table`);
    return off;
  };
  const unitsPerEm = buf.readUInt16BE(at('head') + 18);
  const numberOfHMetrics = buf.readUInt16BE(at('hhea') + 34);
  const hmtx = at('hmtx');
  const advanceOf = (glyph: number) => buf.readUInt16BE(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));
  const advances = new Map<number, number>();
  for (const [code, glyph] of readCmap(buf, at('cmap'))) if (glyph !== 0) advances.set(code, advanceOf(glyph));
  return { unitsPerEm, advances };
}

function readCmap(buf: Buffer, cmap: number): Map<number, number> {
  const subtables: Array<{ format: number; offset: number }> = [];
  const n = buf.readUInt16BE(cmap + 2);
  for (let i = 0; i < n; i++) {
    const rec = cmap + 4 + i * 8;
    const platform = buf.readUInt16BE(rec);
    const encoding = buf.readUInt16BE(rec + 2);
    const offset = cmap + buf.readUInt32BE(rec + 4);
    if (platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10))) {
      subtables.push({ format: buf.readUInt16BE(offset), offset });
    }
  }
  // Format 12 covers every plane; format 4 the BMP only.
  const best = subtables.find((s) => s.format === 12) ?? subtables.find((s) => s.format === 4);
  if (!best) throw new Error('font has no Unicode cmap');
  return best.format === 12 ? readFormat12(buf, best.offset) : readFormat4(buf, best.offset);
}

function readFormat12(buf: Buffer, off: number): Map<number, number> {
  const map = new Map<number, number>();
  const groups = buf.readUInt32BE(off + 12);
  for (let g = 0; g < groups; g++) {
    const rec = off + 16 + g * 12;
    const start = buf.readUInt32BE(rec);
    const end = buf.readUInt32BE(rec + 4);
    const glyph = buf.readUInt32BE(rec + 8);
    for (let c = start; c <= end; c++) map.set(c, glyph + (c - start));
  }
  return map;
}

function readFormat4(buf: Buffer, off: number): Map<number, number> {
  const map = new Map<number, number>();
  const segCount = buf.readUInt16BE(off + 6) / 2;
  const ends = off + 14;
  const starts = ends + 2 * segCount + 2;
  const deltas = starts + 2 * segCount;
  const rangeOffsets = deltas + 2 * segCount;
  for (let s = 0; s < segCount; s++) {
    const start = buf.readUInt16BE(starts + 2 * s);
    const end = buf.readUInt16BE(ends + 2 * s);
    const delta = buf.readInt16BE(deltas + 2 * s);
    const ro = buf.readUInt16BE(rangeOffsets + 2 * s);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (ro === 0) glyph = (c + delta) & 0xffff;
      else {
        const g = buf.readUInt16BE(rangeOffsets + 2 * s + ro + 2 * (c - start));
        glyph = g === 0 ? 0 : (g + delta) & 0xffff;
      }
      map.set(c, glyph);
    }
  }
  return map;
}
