import { z } from 'zod';
import { daysUntil } from './accounts.js';
import {
  amountsIn,
  dayCountsIn,
  datesIn,
  plainForMatch,
  readNumber,
  type WrittenAmount,
  type WrittenDate,
} from './written-figures.js';

// What the customer reads is checked, not trusted. Before LUNA posts a text where a customer reads, this check
// looks in it for every internal fact LUNA holds about the channel's account — in the spellings a model would
// use (see written-figures.ts) — and for the canary placed in the request's instructions, so an echo of the
// instructions is caught even where they held no fact. A hit names the fact, its value (for the team's eyes) and
// how the text wrote it. Pure: the facts are listed by account-facts.ts from what the caller gathered
// (steps/customer-guard.ts).

export const WITHHELD_REASONS = ['internal_fact', 'instructions_echo'] as const;
export type WithheldReason = (typeof WITHHELD_REASONS)[number];

export const FactHit = z.object({
  reason: z.enum(WITHHELD_REASONS),
  /** What the fact is: "ARR", "health", "renewal date", "account owner", "the request's instructions". */
  fact: z.string(),
  /** Its value as LUNA holds it, for the team's eyes ("$120,000"). */
  value: z.string(),
  /** How the text wrote it ("120k"). */
  found: z.string(),
});
export type FactHit = z.infer<typeof FactHit>;

/** One internal fact and how to recognise it. `shown` is its value as the team reads it. */
export type Fact = { fact: string; shown: string } & (
  | { kind: 'amount'; value: number }
  | { kind: 'date'; date: string }
  /** A word that is only a fact next to its field's name: `health` … `red`, `status: churned`. */
  | { kind: 'labelled'; names: string[]; value: string }
  /** A number next to its name (`CSAT 4.5`, `retention above 90%`), or a decimal on its scale anywhere (`4.5/5`). */
  | { kind: 'figure'; names: string[]; value: number; scale?: number | undefined }
  | { kind: 'phrase'; text: string }
  /** Someone the customer should not learn is involved: their Slack id anywhere, their names as words. */
  | { kind: 'person'; id: string; names: string[] }
);

export interface InternalFacts {
  /** When the facts were read: `in 30 days` is measured from here. */
  now: number;
  facts: Fact[];
}

export interface CheckOptions {
  /** Random strings placed in the request's instructions; any of them in the text means the instructions were echoed. */
  canaries?: readonly string[];
  /** People the reader already sees in the thread: naming them reveals nothing. */
  visiblePeople?: ReadonlySet<string>;
}

/** Words between a field's name and its value (`health is currently red`); a sentence break ends the pairing. */
const MAX_GAP_WORDS = 4;

/** The internal facts and canaries `text` contains, one hit per fact. Empty: safe to post where the customer reads. */
export function findInternalFacts(text: string, facts: InternalFacts, opts: CheckOptions = {}): FactHit[] {
  const plain = plainForMatch(text);
  const hits: FactHit[] = [];
  const squashed = plain.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  for (const canary of opts.canaries ?? []) {
    // Its random tail, however the model spaced, cased or punctuated it.
    const tail = canary
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '')
      .slice(-12);
    if (tail && squashed.includes(tail))
      hits.push({ reason: 'instructions_echo', fact: "the request's instructions", value: canary, found: canary });
  }
  const scan = new Scan(plain);
  for (const f of facts.facts) {
    if (f.kind === 'person' && opts.visiblePeople?.has(f.id)) continue;
    const found = matchFact(f, scan, facts.now);
    if (found !== undefined && !hits.some((h) => h.fact === f.fact && h.value === f.shown)) {
      hits.push({ reason: 'internal_fact', fact: f.fact, value: f.shown, found: found.trim().slice(0, 80) });
    }
  }
  return hits;
}

/** The reason a text is held back: an echo of the instructions outranks a single fact. */
export function withheldReason(hits: readonly FactHit[]): WithheldReason {
  return hits.some((h) => h.reason === 'instructions_echo') ? 'instructions_echo' : 'internal_fact';
}

/** `ARR, health and renewal date`: the facts of these hits, each once, for a sentence. */
export function factNames(hits: readonly FactHit[]): string {
  const names = [...new Set(hits.map((h) => h.fact))];
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
}

/** What the text was scanned into, once per check. */
class Scan {
  readonly lower: string;
  private cache = new Map<string, unknown>();
  constructor(readonly plain: string) {
    this.lower = plain.toLowerCase();
  }
  private once<T>(key: string, f: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, f());
    return this.cache.get(key) as T;
  }
  get amounts(): WrittenAmount[] {
    return this.once('amounts', () => amountsIn(this.plain));
  }
  get dates(): WrittenDate[] {
    return this.once('dates', () => datesIn(this.plain));
  }
  get dayCounts(): Array<{ raw: string; days: number }> {
    return this.once('days', () => dayCountsIn(this.plain));
  }
  /** Every occurrence of a phrase as whole words (any punctuation or spacing between its words). */
  spans(phrase: string): Array<[number, number]> {
    return this.once(`spans:${phrase}`, () =>
      [...this.lower.matchAll(wordsPattern(phrase))].map((m) => [m.index, m.index + m[0].length] as [number, number]),
    );
  }
}

function wordsPattern(phrase: string): RegExp {
  const words = phrase.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped.join('[^\\p{L}\\p{N}]+')}(?![\\p{L}\\p{N}])`, 'gu');
}

function matchFact(f: Fact, s: Scan, now: number): string | undefined {
  switch (f.kind) {
    case 'amount':
      // A small amount is an amount only with its currency (`$250`); otherwise it is any number.
      return s.amounts.find(
        (a) => (f.value >= 1000 || a.currency) && a.values.some((v) => Math.abs(v.value - f.value) <= v.tolerance),
      )?.raw;
    case 'date':
      return matchDate(f.date, s, now);
    case 'labelled':
      return near(s, f.names, s.spans(f.value));
    case 'figure':
      return matchFigure(f, s);
    case 'phrase':
      return s.spans(f.text).length ? s.plain.slice(...s.spans(f.text)[0]!) : undefined;
    case 'person': {
      const id = s.spans(f.id)[0];
      if (id) return s.plain.slice(...id);
      for (const name of f.names) {
        const at = s.spans(name)[0];
        if (at) return s.plain.slice(...at);
      }
      return undefined;
    }
  }
}

function matchDate(date: string, s: Scan, now: number): string | undefined {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const same = (w: WrittenDate) =>
    w.month === m && (w.day === undefined ? w.year === y : w.day === d && (w.year === undefined || w.year === y));
  const written = s.dates.find(same);
  if (written) return written.raw;
  const days = daysUntil(date, now);
  if (days <= 0) return undefined;
  // `in 3 days` is an everyday phrase: near dates must match exactly; further out, a day either way (a draft read tomorrow).
  const slack = days <= 7 ? 0 : 1;
  return s.dayCounts.find((c) => Math.abs(c.days - days) <= slack)?.raw;
}

/** The text from a name to a value (or back) when they stand at most MAX_GAP_WORDS apart in one sentence. */
function near(s: Scan, names: readonly string[], values: Array<[number, number]>): string | undefined {
  for (const [vs, ve] of values) {
    for (const name of names) {
      for (const [ns, ne] of s.spans(name)) {
        const [from, to] = ns < vs ? [ne, vs] : [ve, ns];
        if (to < from) continue; // overlapping: the value is part of the name
        const gap = s.plain.slice(from, to);
        if (/[!?;\n]|\.(?:\s|$)/.test(gap)) continue;
        if ((gap.match(/[\p{L}\p{N}]+/gu) ?? []).length > MAX_GAP_WORDS) continue;
        return s.plain.slice(Math.min(ns, vs), Math.max(ne, ve));
      }
    }
  }
  return undefined;
}

const NUMBER = /(?<![\p{L}\p{N}.,])\d+(?:[.,]\d+)?(?![\p{N}])/gu;

function matchFigure(f: Extract<Fact, { kind: 'figure' }>, s: Scan): string | undefined {
  const equal: Array<[number, number]> = [];
  for (const m of s.plain.matchAll(NUMBER)) {
    const readings = readNumber(m[0]);
    // A whole number stands for itself (`5` is not a CSAT of 4.6); `4.5` for whatever rounds to it.
    if (
      !readings.some((r) =>
        r.decimals === 0 ? r.value === f.value : Math.abs(r.value - f.value) <= 0.5 * 10 ** -r.decimals + 1e-9,
      )
    )
      continue;
    const span: [number, number] = [m.index, m.index + m[0].length];
    // `4.5/5`, `4.5 out of 5`: a measured score on its scale needs no name beside it.
    if (f.scale !== undefined && /[.,]/.test(m[0])) {
      const after = s.plain.slice(span[1]).match(new RegExp(`^\\s*(?:/|out of)\\s*${f.scale}(?![\\p{N}])`, 'u'));
      if (after) return s.plain.slice(span[0], span[1] + after[0].length);
    }
    equal.push(span);
  }
  return near(s, f.names, equal);
}
