// Markdown (as Claude writes it) → Slack mrkdwn for chat.postMessage `text`. Line-based on purpose: Slack
// treats every newline as a break, so each Markdown line maps to one output line and nothing is reflowed.
// Everything the model wrote is escaped; the only control sequences in the output are the links made here.
// Longer than 250 lines because it is one converter: its line rules and inline rules are read together.
import { decodeEntities } from '../domain/mention-safety.js';
import { escapeAngles } from '../domain/text.js';

/** Slack reads `&`, `<` and `>` as control characters; text meant literally must carry them escaped. */
export function escapeMrkdwn(text: string): string {
  return escapeAngles(text);
}

/**
 * Model text for the output: escaped, and with runs of three backticks broken by a zero-width space, since
 * Slack cannot escape them and a stray one would open or close a code block. Fences come only from here.
 */
function literal(text: string): string {
  return escapeMrkdwn(text).replace(/``(?=`)/g, '``\u200B');
}

/** Converts Markdown to Slack mrkdwn, escaping everything; mentions are not policed here (see renderAnswer). */
export function markdownToMrkdwn(md: string): string {
  return renderBlocks(md.replace(/\r\n?/g, '\n').split('\n')).join('\n');
}

const FENCE = /^(\s*)(`{3,}|~{3,})[^`]*$/;
const QUOTE = /^\s{0,3}>/;
const HEADING = /^\s{0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const RULE = /^\s{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const BULLETS = ['•', '◦', '▪'];
const INDENT = '    ';

function renderBlocks(lines: string[]): string[] {
  const out: string[] = [];
  let listIndents: number[] = []; // source indentation of each open list level, outermost first
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      i = renderCode(lines, i, fence[1]!.length, fence[2]!, out);
    } else if (QUOTE.test(line)) {
      // Slack quotes do not nest, so every level of `>` collapses into one.
      const end = runEnd(lines, i, (l) => QUOTE.test(l));
      const inner = renderBlocks(lines.slice(i, end).map((l) => l.replace(/^\s*(?:>\s?)+/, '')));
      out.push(...inner.map((l) => (l ? `> ${l}` : '>')));
      i = end - 1;
    } else if (line.includes('|') && TABLE_DELIMITER.test(lines[i + 1] ?? '') && lines[i + 1]!.includes('|')) {
      const end = runEnd(lines, i + 2, (l) => l.includes('|') && l.trim() !== '');
      out.push(...renderTable(lines.slice(i, end)));
      i = end - 1;
    } else if (HEADING.test(line)) {
      const text = (HEADING.exec(line)?.[1] ?? '').trim();
      if (text) out.push(`*${renderInline(text, 'heading')}*`);
    } else if (RULE.test(line)) {
      out.push('———');
    } else if (ITEM.test(line)) {
      out.push(renderItem(ITEM.exec(line)!, listIndents));
      continue;
    } else if (line.trim() === '') {
      out.push('');
      continue; // a blank line does not end a list: loose lists have them between items
    } else if (listIndents.length > 0 && /^\s/.test(line)) {
      out.push(`${INDENT.repeat(listIndents.length - 1)}  ${renderInline(line.trim())}`); // item continuation
      continue;
    } else {
      out.push(renderInline(line.trimStart()));
    }
    listIndents = [];
  }
  return out;
}

function runEnd(lines: string[], from: number, belongs: (line: string) => boolean): number {
  let end = from;
  while (end < lines.length && belongs(lines[end]!)) end++;
  return end;
}

/** Passes code through escaped but otherwise untouched; returns the index of the closing fence line. */
function renderCode(lines: string[], start: number, indent: number, marker: string, out: string[]): number {
  const closing = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
  const end = runEnd(lines, start + 1, (l) => !closing.test(l));
  const dedent = new RegExp(`^ {0,${indent}}`);
  const body = lines.slice(start + 1, end).map((l) => literal(l.replace(dedent, '')));
  // The info string (```ts) is dropped: Slack would show it as the first line of code.
  if (body.some((l) => l.trim())) out.push('```', ...body, '```');
  return end;
}

function renderItem(item: RegExpExecArray, listIndents: number[]): string {
  const [, lead = '', marker = '', text = ''] = item;
  const width = lead.replace(/\t/g, INDENT).length;
  while (listIndents.length > 0 && listIndents.at(-1)! > width) listIndents.pop();
  if (listIndents.length === 0 || listIndents.at(-1)! < width) listIndents.push(width);
  const depth = listIndents.length - 1;
  const bullet = /\d/.test(marker) ? `${marker.slice(0, -1)}.` : BULLETS[depth % BULLETS.length];
  return `${INDENT.repeat(depth)}${bullet} ${renderInline(text)}`;
}

/** Slack has no tables: render one as aligned plain text in a code block. */
function renderTable(rows: string[]): string[] {
  const [header = '', delimiter = '', ...body] = rows;
  const grid = [header, ...body].map((row) => splitRow(row).map((cell) => renderInline(cell, 'plain').trim()));
  const right = splitRow(delimiter).map((cell) => /-:$/.test(cell));
  const columns = Math.max(...grid.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(1, ...grid.map((row) => visibleLength(row[c] ?? ''))),
  );
  const format = (row: string[]): string =>
    widths
      .map((w, c) => {
        const cell = row[c] ?? '';
        const pad = ' '.repeat(w - visibleLength(cell));
        return right[c] ? pad + cell : cell + pad;
      })
      .join(' | ')
      .trimEnd();
  const [head = [], ...rest] = grid;
  return ['```', format(head), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rest.map(format), '```'];
}

function splitRow(row: string): string[] {
  const text = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '|') {
      cell += '|';
      i++;
      continue;
    }
    if (ch === '`') inCode = !inCode;
    if (ch === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += ch;
    }
  }
  return [...cells, cell.trim()];
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const WIDE =
  /\p{Extended_Pictographic}|[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u;

/** Columns a monospace font gives the text: an entity is one character, emoji and CJK take two. */
function visibleLength(escaped: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(escaped.replace(/&(?:amp|lt|gt);/g, '_')))
    width += WIDE.test(segment) ? 2 : 1;
  return width;
}

/** `heading`: the line is bold already, so bold markers inside are dropped. `plain`: no markup at all. */
type Mode = 'rich' | 'heading' | 'plain';

interface InlineRule {
  re: RegExp; // sticky: tried at the current position only
  render: (m: RegExpExecArray, mode: Mode) => string;
}

// `(url)`, `(<url with spaces>)` or `(url "title")`; plain URLs may hold balanced parentheses.
const LINK_TARGET = String.raw`\(\s*(?:<([^<>\n]*)>|((?:[^\s()<]|\([^\s()<]*\))+))(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`;
const SAFE_URL = /^(?:https?:\/\/|mailto:)/i;

const wrap = (open: string, close: string) => (m: RegExpExecArray, mode: Mode) => {
  const inner = renderInline(m[1]!, mode);
  return mode === 'plain' ? inner : open + inner + close;
};
const bold = (m: RegExpExecArray, mode: Mode) =>
  mode === 'rich' ? `*${renderInline(m[1]!, mode)}*` : renderInline(m[1]!, mode);

const INLINE_RULES: InlineRule[] = [
  {
    re: /(`+)([^`]|[^`][^]*?[^`])\1(?!`)/y,
    render: (m, mode) => (mode === 'plain' ? literal(m[2]!) : m[1]! + literal(m[2]!) + m[1]!),
  },
  {
    re: new RegExp(String.raw`!\[([^\]]*)\]` + LINK_TARGET, 'y'),
    render: (m, mode) => link(m[1]!, m[2] ?? m[3]!, mode),
  },
  {
    re: new RegExp(String.raw`\[((?:[^\[\]]|\[[^\[\]]*\])+)\]` + LINK_TARGET, 'y'),
    render: (m, mode) => link(m[1]!, m[2] ?? m[3]!, mode),
  },
  { re: /<((?:https?:\/\/|mailto:)[^\s<>|]+)(?:\|([^<>]*))?>/iy, render: (m, mode) => link(m[2] ?? '', m[1]!, mode) },
  { re: /<br\s*\/?>/iy, render: (_m, mode) => (mode === 'plain' ? ' ' : '\n') },
  // Bare URLs stay as written (Slack links them itself); matching them keeps `_` inside them from italicising.
  { re: /https?:\/\/[^\s<>]*[^\s<>.,;:!?'")\]*_~]/iy, render: (m) => literal(m[0]) },
  {
    re: /\*\*\*(?=\S)([^]*?\S)\*\*\*/y,
    render: (m, mode) => (mode === 'rich' ? `*_${renderInline(m[1]!, mode)}_*` : wrap('_', '_')(m, mode)),
  },
  { re: /\*\*(?=\S)([^]*?\S)\*\*/y, render: bold },
  { re: /(?<![\p{L}\p{N}_])__(?=\S)([^]*?\S)__(?![\p{L}\p{N}_])/uy, render: bold },
  { re: /~~(?=\S)([^]*?\S)~~/y, render: wrap('~', '~') },
  { re: /(?<![\p{L}\p{N}*])\*(?![\s*])([^*]*?[^\s*])\*(?![\p{L}\p{N}*])/uy, render: wrap('_', '_') },
  { re: /(?<![\p{L}\p{N}_])_(?![\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])/uy, render: wrap('_', '_') },
];
/** Backslash escapes and entities stand for plain characters, which join the text around them. */
const CHARACTER_REFERENCE = /\\([!-/:-@[-`{-~])|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/y;
const CAN_START_RULE = /[`!\[<hH*_~]/;

function renderInline(text: string, mode: Mode = 'rich'): string {
  let out = '';
  let plain = '';
  for (let i = 0; i < text.length;) {
    CHARACTER_REFERENCE.lastIndex = i;
    const ref = CHARACTER_REFERENCE.exec(text);
    if (ref) {
      plain += ref[1] ?? decodeEntities(ref[0]);
      i += ref[0].length;
      continue;
    }
    const hit = CAN_START_RULE.test(text[i]!) ? matchRule(text, i) : undefined;
    if (!hit) {
      plain += text[i];
      i++;
      continue;
    }
    out += literal(plain) + hit.rule.render(hit.m, mode);
    plain = '';
    i += hit.m[0].length;
  }
  return out + literal(plain);
}

function matchRule(text: string, at: number): { rule: InlineRule; m: RegExpExecArray } | undefined {
  for (const rule of INLINE_RULES) {
    rule.re.lastIndex = at;
    const m = rule.re.exec(text);
    if (m) return { rule, m };
  }
  return undefined;
}

/** `<url|label>` for web and mail links; anything else (javascript:, relative paths) as inert `label (url)`. */
function link(label: string, url: string, mode: Mode): string {
  const text = renderInline(label, 'plain').trim();
  const target = decodeEntities(url);
  if (mode === 'plain' || !SAFE_URL.test(target)) return text ? `${text} (${literal(target)})` : literal(target);
  // `|` and `>` would end the token early; non-ASCII is percent-encoded like any browser would.
  const safe = escapeMrkdwn(target.replace(/[^\x21-\x7e]|[<>|"`]/gu, percentEncode));
  return text ? `<${safe}|${text}>` : `<${safe}>`;
}

function percentEncode(ch: string): string {
  try {
    return encodeURIComponent(ch);
  } catch {
    return ''; // a lone surrogate cannot be encoded and means nothing in a URL
  }
}
