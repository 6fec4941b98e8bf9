import { proseLines } from './body.js';
import type { ScalingApproach } from './schema.js';

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_MARKER = /^\s*(?:[-*+]|\d+[.)])\s+/;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/;

// Before the label only non-alphanumerics may stand: list markers, bold, emoji and their mojibake
// (🤖 read as Mac Roman is "ü§ñ" — all non-ASCII). Separators include the mojibake em/en dash ("‚Äî", "‚Äì").
const SEPARATOR = String.raw`[*_]*\s*(?::|—|–|‚Äî|‚Äì|-{1,2}(?=\s))\s*[*_]*\s*`;
const LABELS: ReadonlyArray<[key: Label, pattern: RegExp]> = [
  ['ai', new RegExp(String.raw`^[^A-Za-z0-9]*?AI\s+handles?${SEPARATOR}(.*)$`, 'i')],
  ['human', new RegExp(String.raw`^[^A-Za-z0-9]*?Humans?\s+handles?${SEPARATOR}(.*)$`, 'i')],
  ['collaboration', new RegExp(String.raw`^[^A-Za-z0-9]*?Collaboration${SEPARATOR}(.*)$`, 'i')],
];
type Label = 'ai' | 'human' | 'collaboration';

/**
 * Read the "Scaling Approach" section: what the AI handles, what humans handle (the escalation areas) and
 * how they collaborate. Accepts `- 🤖 AI handles: a, b`, `**AI handles:** a, b`, `* Human handles — a; b`
 * and a label on its own line followed by a list. A missing section gives empty lists; the caller decides.
 */
export function parseScalingApproach(body: string): ScalingApproach {
  const section = scalingSection(proseLines(body));
  const found: Record<Label, string[]> = { ai: [], human: [], collaboration: [] };
  let listFor: Label | undefined;

  for (const line of section) {
    const labelled = matchLabel(line);
    if (labelled) {
      const [label, rest] = labelled;
      // Nothing after the label: its items follow as a list.
      listFor = rest === '' ? label : undefined;
      if (rest !== '') found[label].push(...(label === 'collaboration' ? [clean(rest)] : splitItems(rest)));
      continue;
    }
    if (listFor === undefined || line.trim() === '') continue;
    const item = LIST_ITEM.exec(line)?.[1];
    if (item === undefined) {
      listFor = undefined; // a paragraph ends the list
      continue;
    }
    found[listFor].push(...(listFor === 'collaboration' ? [clean(item)] : splitItems(item)));
  }

  const collaboration = found.collaboration.filter((c) => c !== '').join('; ');
  return {
    aiHandles: unique(found.ai),
    humanHandles: unique(found.human),
    ...(collaboration === '' ? {} : { collaboration }),
  };
}

/** Lines under the first heading that mentions "Scaling Approach", up to a same-or-higher heading or a rule. */
function scalingSection(lines: string[]): string[] {
  const start = lines.findIndex((l) => /scaling approach/i.test(HEADING.exec(l)?.[2] ?? ''));
  if (start === -1) return [];
  const level = HEADING.exec(lines[start] ?? '')?.[1]?.length ?? 1;
  const section: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const heading = HEADING.exec(line);
    if ((heading && (heading[1]?.length ?? 7) <= level) || RULE.test(line)) break;
    section.push(line);
  }
  return section;
}

function matchLabel(line: string): [Label, string] | undefined {
  const text = line.replace(LIST_MARKER, '');
  for (const [label, pattern] of LABELS) {
    const rest = pattern.exec(text)?.[1];
    if (rest !== undefined) return [label, rest.trim()];
  }
  return undefined;
}

function splitItems(text: string): string[] {
  return text
    .split(/[,;]/)
    .map((item) => clean(item).replace(/^(?:and|&)\s+/i, ''))
    .filter((item) => item !== '');
}

/** Drop emphasis markers, surrounding space and trailing periods; keep the words and their case. */
function clean(text: string): string {
  return text
    .trim()
    .replace(/^[*_`]+|[*_`]+$/g, '')
    .trim()
    .replace(/\.+$/, '')
    .trim();
}

function unique(items: string[]): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
