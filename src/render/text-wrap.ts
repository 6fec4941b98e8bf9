/** Word wrapping against a width function, for text drawn in pictures (SVG has no automatic wrapping). */

export type Measure = (text: string) => number;

const ELLIPSIS = '…';
/** After these a long word may break without a hyphen: URLs, paths, compound names. */
const SOFT_BREAK_AFTER = /[-/_.]/;

/**
 * Greedy wrap of `text` into lines no wider than `maxWidth`. Words wider than a line are broken, after a
 * `-`, `/`, `_` or `.` when one is near, otherwise between characters. Beyond `maxLines` the last kept line
 * ends with an ellipsis, so a cut is visible. Every line is non-empty; empty text gives no lines.
 */
export function wrapText(
  text: string,
  maxWidth: number,
  measure: Measure,
  maxLines = Number.POSITIVE_INFINITY,
): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    const candidate = current ? `${current} ${word}` : word;
    if (measure(candidate) <= maxWidth) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = '';
    if (measure(word) <= maxWidth) {
      current = word;
      continue;
    }
    const pieces = breakWord(word, maxWidth, measure);
    lines.push(...pieces.slice(0, -1));
    current = pieces.at(-1) ?? '';
  }
  if (current) lines.push(current);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, Math.max(1, maxLines));
  kept[kept.length - 1] = ellipsize(kept.at(-1)!, maxWidth, measure);
  return kept;
}

/** `line` shortened until it fits with a trailing ellipsis. */
export function ellipsize(line: string, maxWidth: number, measure: Measure): string {
  const chars = Array.from(line);
  while (chars.length > 0 && measure(`${chars.join('').trimEnd()}${ELLIPSIS}`) > maxWidth) chars.pop();
  return `${chars.join('').trimEnd()}${ELLIPSIS}`;
}

function breakWord(word: string, maxWidth: number, measure: Measure): string[] {
  const pieces: string[] = [];
  let chars: string[] = [];
  for (const ch of Array.from(word)) {
    if (chars.length > 0 && measure(chars.join('') + ch) > maxWidth) {
      // Prefer a soft break in the second half of the piece; otherwise cut right here.
      const soft = chars.findLastIndex((c, i) => i >= chars.length / 2 && SOFT_BREAK_AFTER.test(c));
      const cut = soft >= 0 && soft < chars.length - 1 ? soft + 1 : chars.length;
      pieces.push(chars.slice(0, cut).join(''));
      chars = chars.slice(cut);
    }
    chars.push(ch);
  }
  if (chars.length) pieces.push(chars.join(''));
  return pieces;
}
