/**
 * Splits rendered mrkdwn into ordered messages. Slack rejects `text` over 40,000 characters and shows long
 * messages poorly, so an answer is posted as several parts — each readable on its own: no token, entity or
 * emoji cut in half, and a code block cut between parts is closed and reopened.
 */

const FENCE = '```';
const REOPEN = '```\n';
const RECLOSE = '\n```';
/** Room the widest label (` _(9999/9999)_`) needs; multi-part splits leave it free for labelParts. */
export const LABEL_RESERVE = 14;
const MIN_CHARS = 64;

/** Where to cut, best first; each match is the whitespace dropped between two parts. */
const BREAKS = [
  /\n(?:[ \t]*\n)+/g, // paragraph
  /\n/g, // line
  /(?<=[.!?…]["'”’)\]]*)[ \t]+/g, // sentence end
  /[ \t]+/g, // word
];
const LEADING_BLANK_LINES = /^(?:[ \t]*\n)+/; // spaces before text are kept: they indent nested list items
const CLOSING_FENCE_LINE = /^[ \t]*```[ \t]*(?:\n|$)/;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Parts of at most `maxChars` characters, in order, never empty. When there is more than one part, each
 * also leaves LABEL_RESERVE characters free, so `labelParts(splitMessage(text, n))` stays within `n`.
 */
export function splitMessage(text: string, maxChars = 3500): string[] {
  if (!Number.isInteger(maxChars) || maxChars < MIN_CHARS)
    throw new RangeError(`maxChars must be an integer ≥ ${MIN_CHARS}`);
  const whole = text.replace(LEADING_BLANK_LINES, '').trimEnd();
  if (whole.length <= maxChars) return whole ? [whole] : [];
  const parts: string[] = [];
  let rest = whole;
  let reopen = false;
  for (;;) {
    rest = rest.replace(LEADING_BLANK_LINES, '');
    if (reopen && CLOSING_FENCE_LINE.test(rest)) {
      // The fence added at the end of the last part already closed this block.
      rest = rest.replace(CLOSING_FENCE_LINE, '');
      reopen = false;
      continue;
    }
    const head = reopen ? REOPEN : '';
    const body = rest.trimEnd();
    if (!/\S/.test(body)) break;
    const room = maxChars - LABEL_RESERVE - head.length;
    if (body.length <= room) {
      parts.push(head + body);
      break;
    }
    const { end, next } = findCut(rest, room - RECLOSE.length, head);
    const chunk = rest.slice(0, end).trimEnd();
    rest = rest.slice(next);
    if (!chunk) continue; // only reachable through a run of whitespace longer than a part
    const part = head + chunk;
    reopen = insideFence(part);
    parts.push(reopen ? part + RECLOSE : part);
  }
  return parts;
}

/** Appends ` _(1/3)_`-style markers, only when there are several parts. */
export function labelParts(parts: string[]): string[] {
  if (parts.length < 2) return parts;
  // After a closing fence the marker goes on its own line, where Slack cannot mistake it for code.
  return parts.map((part, i) => `${part}${part.endsWith(FENCE) ? '\n' : ' '}_(${i + 1}/${parts.length})_`);
}

/** The end of the first part (at most `limit`) and where the next one starts. */
function findCut(rest: string, limit: number, head: string): { end: number; next: number } {
  const window = rest.slice(0, limit + 1);
  const floor = Math.floor(limit / 2); // a break in the first half would waste too much of the part
  for (const pattern of BREAKS) {
    for (const m of [...window.matchAll(pattern)].reverse()) {
      const end = m.index ?? 0;
      if (end < floor) break;
      if (end <= limit && isSafeCut(rest, end, head)) return { end, next: end + m[0].length };
    }
  }
  for (let end = limit; end > 0; end--) {
    if (isSafeCut(rest, end, head)) return { end, next: end };
  }
  // Only a single token longer than a whole part gets here: cut it, but keep code points whole.
  const end = /[\uDC00-\uDFFF]/.test(rest[limit] ?? '') ? limit - 1 : limit;
  return { end, next: end };
}

function isSafeCut(rest: string, end: number, head: string): boolean {
  const before = rest.slice(0, end);
  if (!/\S/.test(before) || insideToken(rest, end) || insideEntity(rest, end) || !isGraphemeBoundary(rest, end))
    return false;
  // Ending a part right after an opening fence would post an empty code block.
  return !(insideFence(head + before) && /(?:^|\n)[ \t]*```[^\n]*$/.test(before.trimEnd()));
}

function insideFence(text: string): boolean {
  return text.split(FENCE).length % 2 === 0;
}

/** Inside `<…>` (links, mentions): escaped text has no other raw `<`, and tokens never span lines. */
function insideToken(text: string, at: number): boolean {
  const open = text.lastIndexOf('<', at - 1);
  if (open < 0 || /[>\n]/.test(text.slice(open, at))) return false;
  return /^[^<>\n]*>/.test(text.slice(at, at + 4000));
}

function insideEntity(text: string, at: number): boolean {
  return /&#?\w{0,8}$/.test(text.slice(Math.max(0, at - 10), at)) && /^#?\w{0,8};/.test(text.slice(at, at + 10));
}

/** True unless `at` falls inside a user-perceived character (surrogate pair, ZWJ emoji, flag, accent). */
function isGraphemeBoundary(text: string, at: number): boolean {
  const start = Math.max(0, at - 32);
  for (const { index } of graphemes.segment(text.slice(start, at + 32))) {
    if (start + index >= at) return start + index === at;
  }
  return true;
}
