import type { BookAccount } from '../config/account-book.js';
import type { KpiTarget } from '../personas/kpis.js';
import { SIGNAL_LABELS, money, type SignalKind } from './accounts.js';
import type { Fact, InternalFacts } from './customer-text.js';
import { mention } from './slack-ids.js';
import { amountsIn, datesIn, plainForMatch, readNumber } from './written-figures.js';

// The internal facts of an account, as the check of customer-readable text (customer-text.ts) looks for them: each
// with the names a model would give it and its value in the spellings that count as the same (ARR 120000 is also
// "$120k"; a renewal date is also "in 30 days").

/** What LUNA holds about a channel's account, as the gatherer (steps/customer-guard.ts) read it. */
export interface AccountKnowledge {
  book?: BookAccount | undefined;
  /** How Slack names the account owner (real name, display name). */
  ownerNames?: readonly string[] | undefined;
  escalations: ReadonlyArray<{ area: string; open: boolean; acknowledged: boolean; owners: readonly string[] }>;
  /** Risk titles from the account's digests. */
  risks: readonly string[];
  /** Kinds of signal found in the account's customers' messages. */
  signals: readonly SignalKind[];
  /** Satisfaction figures on the 1–5 scale: the measured survey average, the digests' estimates. */
  csat: ReadonlyArray<{ fact: string; value: number }>;
  /** The persona's KPI targets (the same for every account; a model may still repeat them). */
  kpis: readonly KpiTarget[];
}

const HEALTH = ['health', 'health score', 'account health', 'healthscore'];
const STATUS = ['status', 'account status'];
const ESCALATION = ['escalation', 'escalations', 'escalated'];
const CSAT = ['csat', 'satisfaction', 'survey', 'surveys', 'rating', 'ratings', 'score'];
const SIGNAL = ['signal', 'signals'];
/** Words of a KPI's name too common to stand for it alone. */
const KPI_FILLER = new Set([
  'customer',
  'customers',
  'success',
  'reached',
  'rate',
  'time',
  'that',
  'lead',
  'decision',
  'change',
  'themes',
  'move',
  'stage',
  'from',
  'next',
]);

export function internalFacts(k: AccountKnowledge, now: number): InternalFacts {
  const facts: Fact[] = [];
  const b = k.book;
  if (b?.arr !== undefined && b.arr > 0) facts.push({ kind: 'amount', fact: 'ARR', shown: money(b.arr), value: b.arr });
  if (b?.renewalDate) facts.push({ kind: 'date', fact: 'renewal date', shown: b.renewalDate, date: b.renewalDate });
  if (b?.statusDate) facts.push({ kind: 'date', fact: 'status date', shown: b.statusDate, date: b.statusDate });
  if (b?.health) facts.push(valueFact('health', HEALTH, b.health));
  if (b?.status)
    facts.push({ kind: 'labelled', fact: 'account status', shown: b.status, names: STATUS, value: b.status });
  if (b?.owner)
    facts.push({
      kind: 'person',
      fact: 'account owner',
      shown: mention(b.owner),
      id: b.owner,
      names: usableNames(k.ownerNames ?? []),
    });
  for (const [column, value] of Object.entries(b?.extra ?? {})) {
    const fact = extraFact(column, value);
    if (fact) facts.push(fact);
  }
  for (const e of k.escalations) {
    facts.push({ kind: 'phrase', fact: 'escalation area', shown: e.area, text: e.area });
    const state = e.open
      ? [
          'open',
          e.acknowledged ? 'acknowledged' : 'not yet acknowledged',
          ...(e.acknowledged ? [] : ['unacknowledged']),
        ]
      : ['closed'];
    for (const value of state)
      facts.push({
        kind: 'labelled',
        fact: 'escalation state',
        shown: `${e.area}: ${state[0]}`,
        names: ESCALATION,
        value,
      });
    if (e.open)
      for (const id of e.owners) facts.push({ kind: 'person', fact: `owner of ${e.area}`, shown: id, id, names: [] });
  }
  for (const title of k.risks) {
    const clean = title.trim().replace(/[.!?]+$/, '');
    if (clean.split(/\s+/).length >= 2) facts.push({ kind: 'phrase', fact: 'risk', shown: clean, text: clean });
  }
  for (const kind of new Set(k.signals)) {
    const label = SIGNAL_LABELS[kind].toLowerCase();
    // "Churn risk" is analysis wherever it stands; "frustration" is an everyday word, a fact only as a signal.
    facts.push(
      kind === 'churn_risk' || kind === 'expansion_interest'
        ? { kind: 'phrase', fact: 'signal', shown: label, text: label }
        : { kind: 'labelled', fact: 'signal', shown: label, names: SIGNAL, value: label },
    );
  }
  for (const c of k.csat)
    facts.push({ kind: 'figure', fact: c.fact, shown: `${round(c.value)}/5`, names: CSAT, value: c.value, scale: 5 });
  for (const t of k.kpis) {
    const unit = t.unit === '%' ? '%' : `/${t.unit}`;
    facts.push({
      kind: 'figure',
      fact: 'KPI target',
      shown: `${t.name} ${t.comparator} ${t.value}${unit}`,
      names: kpiNames(t.name),
      value: t.value,
      ...(t.unit === '%' ? {} : { scale: t.unit }),
    });
  }
  return { now, facts };
}

const round = (n: number) => String(Math.round(n * 10) / 10);

/** A value that is a number (`72`, a score) is a figure next to its name; a word (`red`, `At risk`) a labelled value. */
function valueFact(fact: string, names: string[], raw: string): Fact {
  const n = readNumber(raw.trim().replace(/%$/, ''));
  if (n.length && /^\s*[\d.,]+\s*%?\s*$/.test(raw))
    return { kind: 'figure', fact, shown: raw, names, value: n[0]!.value };
  return { kind: 'labelled', fact, shown: raw, names, value: raw.trim() };
}

/**
 * An extra column of the account book, read with the same scanners as the text: a date, an amount (`$40,000`,
 * `15000`), a small number or a word next to the column's name, or a longer text as a phrase.
 */
function extraFact(column: string, raw: string): Fact | undefined {
  const value = plainForMatch(raw).trim();
  if (!value) return undefined;
  const fact = column.trim();
  const names = [fact.toLowerCase().replace(/[_.-]+/g, ' ')];
  const date = datesIn(value).find(
    (d) => d.year !== undefined && d.day !== undefined && d.raw.length >= value.length - 1,
  );
  if (date) {
    const iso = `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
    return { kind: 'date', fact, shown: value, date: iso };
  }
  const amounts = amountsIn(value);
  const whole =
    amounts.length === 1 && amounts[0]!.raw.length >= value.replace(/[^\p{L}\p{N}$€£.,' ]/gu, '').trim().length - 1;
  if (whole) {
    const a = amounts[0]!;
    const n = a.values[0]!.value;
    return n >= 1000 || a.currency
      ? { kind: 'amount', fact, shown: value, value: n }
      : { kind: 'figure', fact, shown: value, names, value: n };
  }
  if (value.split(/\s+/).length >= 3 || value.length >= 16) return { kind: 'phrase', fact, shown: value, text: value };
  return { kind: 'labelled', fact, shown: value, names, value };
}

/** Names that would not match ordinary words: full names (`Casey Morgan`), never a first name alone (`Mark`, `Casey`). */
function usableNames(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter((n) => (n.match(/\p{L}{2,}/gu) ?? []).length >= 2))];
}

/** `Customer satisfaction (CSAT)` → `csat`, `satisfaction`; `Feedback integration rate` → `feedback integration`. */
function kpiNames(name: string): string[] {
  const abbreviation = /\(([^)]+)\)/.exec(name)?.[1]?.toLowerCase();
  const words = (
    name
      .replace(/\([^)]*\)/g, '')
      .toLowerCase()
      .match(/\p{L}+/gu) ?? []
  ).filter((w) => w.length >= 5 && !KPI_FILLER.has(w));
  return [
    ...new Set([
      ...(abbreviation ? [abbreviation] : []),
      ...(words.length >= 2 ? [words.slice(0, 2).join(' ')] : words),
    ]),
  ];
}
