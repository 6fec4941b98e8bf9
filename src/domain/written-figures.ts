// How people and models write amounts, dates and day counts, read back into values: `$120,000`, `120k`,
// `120.000` (European), `$0.12M`, `120 thousand`; `2027-01-06`, `1/6/2027`, `6 January 2027`, `Jan 6th`;
// `in 30 days`, `thirty days from now`. The customer-text check (customer-text.ts) compares what it finds here
// with the facts LUNA holds, so a fact is caught however it is spelled, and a number is only ever read as a
// whole token (`120` is not part of `120000`, `red` not part of `bored`).

/** Text as the check reads it: Slack entities decoded, formatting and invisible characters gone, spaces single. */
export function plainForMatch(text: string): string {
  return (
    text
      .normalize('NFKC')
      // Zero-width characters and soft hyphens would let `1\u200b20,000` slip past a number reader.
      .replace(/[\u200b-\u200f\u2060\ufeff\u00ad]/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/[*~`]/g, '')
      .replace(/_/g, ' ')
      .replace(/[ \t\f\v]+/g, ' ')
  );
}

/** An amount as written: the values it can stand for (`120.000` is 120,000 in Europe and 120 elsewhere), each ± its rounding. */
export interface WrittenAmount {
  raw: string;
  index: number;
  values: Array<{ value: number; tolerance: number }>;
  /** A currency sign or code was written with it. */
  currency: boolean;
}

const SUFFIX: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mm: 1e6,
  mn: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
};
const CURRENCY = String.raw`(?:us\s?\$|\$|usd|eur|€|£|gbp|chf)`;
const AMOUNT = new RegExp(
  String.raw`(?<![\p{L}\p{N}.,'])(${CURRENCY}\s?)?(\d{1,3}(?: \d{3})+(?![.,]\d)|\d[\d,.']*\d|\d)\s?(k|thousand|mm|mn|m|million|bn|b|billion)?(?![\p{L}\p{N}])(\s?${CURRENCY})?`,
  'giu',
);

/** Every amount-like token of `text` (already `plainForMatch`ed). */
export function amountsIn(text: string): WrittenAmount[] {
  const out: WrittenAmount[] = [];
  for (const m of text.matchAll(AMOUNT)) {
    const [raw, before, digits, suffix, after] = m;
    const multiplier = suffix ? (SUFFIX[suffix.toLowerCase()] ?? 1) : 1;
    const values = readNumber(digits!).map(({ value, decimals }) => ({
      value: value * multiplier,
      // `120k` stands for anything that rounds to it; a plain `120000` for itself.
      tolerance: suffix ? 0.5 * 10 ** -decimals * multiplier : 0.5 * 10 ** -decimals,
    }));
    if (values.length) out.push({ raw: raw.trim(), index: m.index, values, currency: Boolean(before || after) });
  }
  return out;
}

/**
 * The numbers a digit string can be: `,` and `'` group thousands and `.` is the decimal mark, or (European)
 * `.` groups and `,` is the decimal mark; a space groups thousands in either. Invalid groupings (`12,00,0`) are
 * dropped, so a list such as `1,2,3` is no number at all; so is a three-decimal reading where the other
 * convention reads thousands.
 */
export function readNumber(s: string): Array<{ value: number; decimals: number }> {
  const compact = s.replace(/ /g, '');
  const out: Array<{ value: number; decimals: number }> = [];
  for (const [group, decimal] of [
    [/[,']/g, '.'],
    [/[.']/g, ','],
  ] as const) {
    const parts = compact.split(decimal);
    if (parts.length > 2) continue;
    const [whole, fraction] = parts as [string, string | undefined];
    const groups = whole.split(group);
    if (groups.length > 1 && (groups[0]!.length > 3 || groups.slice(1).some((g) => g.length !== 3))) continue;
    const digits = groups.join('');
    if (!/^\d+$/.test(digits) || (fraction !== undefined && !/^\d+$/.test(fraction))) continue;
    const value = Number(`${digits}${fraction !== undefined ? `.${fraction}` : ''}`);
    if (!out.some((o) => o.value === value)) out.push({ value, decimals: fraction?.length ?? 0 });
  }
  // `120,000` and `120.000` are thousands in one convention; nobody writes 120 with three decimals.
  const grouped = out.filter((o) => o.decimals !== 3 || out.length === 1);
  return grouped;
}

/** A date as written; `year` or `day` missing when the text left it out (`Jan 6`, `January 2027`). */
export interface WrittenDate {
  raw: string;
  year?: number;
  month: number;
  day?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;
const ORD = String.raw`(\d{1,2})(?:st|nd|rd|th)?`;
const B = String.raw`(?<![\p{L}\p{N}])`;
const E = String.raw`(?![\p{L}\p{N}])`;
const ISO_DATE = new RegExp(String.raw`${B}(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})${E}`, 'gu');
const NUMERIC_DATE = new RegExp(String.raw`${B}(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})${E}`, 'gu');
const MONTH_DAY = new RegExp(String.raw`${B}${MONTH}\s+${ORD}${E}(?:,?\s+(\d{4})${E})?`, 'giu');
const DAY_MONTH = new RegExp(String.raw`${B}${ORD}\s+(?:of\s+)?${MONTH}${E}(?:,?\s+(\d{4})${E})?`, 'giu');
const MONTH_YEAR = new RegExp(String.raw`${B}${MONTH}\s+(?:of\s+)?(\d{4})${E}`, 'giu');

const monthOf = (name: string) => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));

/** Every date-like token of `text`; a numeric `1/6/2027` gives both readings (6 January and 1 June). */
export function datesIn(text: string): WrittenDate[] {
  const out: WrittenDate[] = [];
  const add = (raw: string, d: WrittenDate | undefined) =>
    d && d.month >= 1 && d.month <= 12 && (d.day ?? 1) <= 31 && (d.day ?? 1) >= 1 && out.push({ ...d, raw });
  for (const m of text.matchAll(ISO_DATE))
    add(m[0], { raw: m[0], year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
  for (const m of text.matchAll(NUMERIC_DATE)) {
    const [a, b, y] = [Number(m[1]), Number(m[2]), fullYear(m[3]!)];
    add(m[0], { raw: m[0], year: y, month: a, day: b });
    add(m[0], { raw: m[0], year: y, month: b, day: a });
  }
  const year = (y: string | undefined) => (y ? { year: Number(y) } : {});
  for (const m of text.matchAll(MONTH_DAY))
    add(m[0], { raw: m[0], month: monthOf(m[1]!), day: Number(m[2]), ...year(m[3]) });
  for (const m of text.matchAll(DAY_MONTH))
    add(m[0], { raw: m[0], month: monthOf(m[2]!), day: Number(m[1]), ...year(m[3]) });
  for (const m of text.matchAll(MONTH_YEAR)) add(m[0], { raw: m[0], month: monthOf(m[1]!), year: Number(m[2]) });
  return out;
}

const UNITS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
];
const TEENS = ['fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const NUMBER_WORD = String.raw`(?:\d+|(?:${TENS.join('|')})(?:[-\s](?:${UNITS.slice(1, 10).join('|')}))?|${[...TEENS, ...UNITS].join('|')}|a)`;
const IN_DAYS = new RegExp(
  String.raw`${B}(?:in|within|only|just)\s+(?:about\s+|around\s+)?(${NUMBER_WORD})\s+days?${E}`,
  'giu',
);
const DAYS_AWAY = new RegExp(
  String.raw`${B}(${NUMBER_WORD})\s+days?\s+(?:from\s+(?:now|today)|away|left|to\s+go|remaining|until|till|before|out)${E}`,
  'giu',
);

/** `thirty-one` → 31; digits as they are; `a` (a day) → 1. */
function wordNumber(w: string): number | undefined {
  const s = w.toLowerCase().replace(/\s+/g, '-');
  if (/^\d+$/.test(s)) return Number(s);
  if (s === 'a') return 1;
  const [tens, unit] = s.split('-');
  const t = TENS.indexOf(tens!);
  if (t >= 0) return (t + 2) * 10 + (unit ? UNITS.indexOf(unit) : 0);
  const teen = TEENS.indexOf(s);
  if (teen >= 0) return 15 + teen;
  const u = UNITS.indexOf(s);
  return u >= 0 ? u : undefined;
}

/** Day counts a text puts on something ahead: `in 30 days`, `thirty days from now`, `30 days left`. */
export function dayCountsIn(text: string): Array<{ raw: string; days: number }> {
  const out: Array<{ raw: string; days: number }> = [];
  for (const re of [IN_DAYS, DAYS_AWAY]) {
    for (const m of text.matchAll(re)) {
      const days = wordNumber(m[1]!);
      if (days !== undefined) out.push({ raw: m[0], days });
    }
  }
  return out;
}
