import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { Logger } from '../infra/log.js';

/**
 * The account book (`LUNA_ACCOUNTS`): a CSV as CRMs and spreadsheets export it. Header names are matched
 * case-insensitively (spaces, dashes and dots count as `_`, so "Renewal Date" is `renewal_date`); the
 * delimiter is detected from the header row (`,`, `;` or tab, or an Excel `sep=;` first line); a UTF-8 BOM,
 * quoted fields with delimiters and line breaks, and blank lines are handled by csv-parse. Every row is
 * validated with zod: a bad row is reported with its line and column and skipped, the rest load. Columns
 * LUNA does not know are kept as extra facts.
 */

export const ACCOUNT_STATUSES = ['active', 'renewed', 'churned'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** One account of the book, as LUNA uses it. */
export interface BookAccount {
  name: string;
  /** Channel IDs (C…/G…) or names (without `#`), as the book lists them. */
  channels: string[];
  teamId?: string | undefined;
  /** Slack user id of the account owner (gets signal alerts). */
  owner?: string | undefined;
  arr?: number | undefined;
  plan?: string | undefined;
  /** `YYYY-MM-DD`. */
  renewalDate?: string | undefined;
  health?: string | undefined;
  status?: AccountStatus | undefined;
  statusDate?: string | undefined;
  milestonesDone?: number | undefined;
  milestonesTotal?: number | undefined;
  /** Other columns, by their header as written. */
  extra: Record<string, string>;
  /** Line of the file the row starts on (1 = the header). */
  line: number;
}

export interface RowProblem {
  line: number;
  /** The header as written, and its spreadsheet letter: `ARR (E)`. */
  column: string;
  problem: string;
}

export interface AccountBook {
  accounts: BookAccount[];
  problems: RowProblem[];
  /** Detected field delimiter. */
  delimiter: string;
}

/** A file that cannot be an account book at all (no header, no `name` column): LUNA does not start with it. */
export class AccountBookError extends Error {}

const KNOWN = [
  'name',
  'slack_channels',
  'slack_team_id',
  'owner',
  'arr',
  'plan',
  'renewal_date',
  'health',
  'status',
  'status_date',
  'milestones_done',
  'milestones_total',
] as const;

/** Empty cells are absent values, as CRMs export them. */
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const optional = <S extends z.ZodType>(s: S) => z.preprocess(blank, s.optional());

const CHANNEL = /^(?:[CG][A-Z0-9]{2,}|#?[a-z0-9][a-z0-9._-]{0,79})$/;
const channels = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s;,]+/).filter(Boolean) : []),
  z.array(z.string().regex(CHANNEL, 'must be channel IDs (C…) or channel names, separated by spaces or semicolons')),
);

/** `120000`, `$120,000`, `120.000,50 €`, `1 200 000`: the last `.` or `,` followed by 1–2 digits is the decimal mark. */
export function parseAmount(raw: string): number | undefined {
  const s = raw.replace(/[\s\u00a0'’]/g, '').replace(/^[^\d-]+|[^\d]+$/g, '');
  if (!/^-?[\d.,]+$/.test(s)) return undefined;
  const decimal = /[.,](\d{1,2})$/.exec(s);
  const whole = (decimal ? s.slice(0, -decimal[0].length) : s).replace(/[.,]/g, '');
  const n = Number(`${whole}${decimal ? `.${decimal[1]}` : ''}`);
  return Number.isFinite(n) ? n : undefined;
}

/** `2026-03-31`, `2026-03-31T00:00:00Z`, `2026-03-31 00:00`, `3/31/2026` (US), `31.03.2026` (European) → `2026-03-31`. */
export function parseDate(raw: string): string | undefined {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(raw);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw);
  const eu = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(raw);
  let y: number, m: number, d: number;
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (us) {
    const [a, b] = [Number(us[1]), Number(us[2])];
    // Month first, as US exports write it, unless the first number cannot be a month.
    [y, m, d] = a > 12 ? [Number(us[3]), b, a] : [Number(us[3]), a, b];
  } else if (eu) [y, m, d] = [Number(eu[3]), Number(eu[2]), Number(eu[1])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

const date = (what: string) =>
  optional(
    z.string().transform((v, ctx) => {
      const out = parseDate(v);
      if (!out) ctx.addIssue({ code: 'custom', message: `"${v}" is not a date; write the ${what} as 2026-03-31 (or 3/31/2026, 31.03.2026)` });
      return out ?? '';
    }),
  );
const count = optional(
  z.string().transform((v, ctx) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) ctx.addIssue({ code: 'custom', message: `"${v}" is not a whole number of milestones (0 or more)` });
    return n;
  }),
);

const Row = z
  .object({
    name: z.preprocess(blank, z.string({ error: 'is empty: every account needs a name' })),
    slack_channels: channels,
    slack_team_id: optional(z.string().regex(/^[TE][A-Z0-9]{2,}$/, 'must be a Slack team ID (T…)')),
    owner: optional(
      z
        .string()
        .transform((v) => v.replace(/^<@([A-Z0-9]+)(\|[^>]*)?>$/, '$1'))
        .pipe(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user ID (U…/W…)')),
    ),
    arr: optional(
      z.string().transform((v, ctx) => {
        const n = parseAmount(v);
        if (n === undefined || n < 0) ctx.addIssue({ code: 'custom', message: `"${v}" is not an amount; write ARR as a number such as 120000` });
        return n ?? 0;
      }),
    ),
    plan: optional(z.string()),
    renewal_date: date('renewal date'),
    health: optional(z.string()),
    status: optional(
      z
        .string()
        .transform((v) => v.toLowerCase())
        .pipe(z.enum(ACCOUNT_STATUSES, { error: (i) => `"${String(i.input)}" is not a status; use one of ${ACCOUNT_STATUSES.join(', ')}` })),
    ),
    status_date: date('status date'),
    milestones_done: count,
    milestones_total: count,
  })
  .superRefine((r, ctx) => {
    if (r.milestones_done !== undefined && r.milestones_total !== undefined && r.milestones_done > r.milestones_total) {
      ctx.addIssue({ code: 'custom', path: ['milestones_done'], message: `${r.milestones_done} done is more than the ${r.milestones_total} in total` });
    }
  });

/** "Renewal Date" → `renewal_date`. */
export function headerKey(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[\s.-]+/g, '_');
}

/** A → Z, AA … as spreadsheets letter their columns. */
function columnLetter(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The header row's most frequent candidate outside quotes; `,` when none occurs. */
function detectDelimiter(firstLine: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  const [best, n] = [...counts.entries()].reduce((a, c) => (c[1] > a[1] ? c : a));
  return n > 0 ? best : ',';
}

export function parseAccountBook(input: string): AccountBook {
  let text = input.replace(/^\uFEFF/, '');
  let offset = 0; // lines before the header (an Excel `sep=` hint)
  let delimiter: string | undefined;
  const hint = /^sep=(.)\r?\n/i.exec(text);
  if (hint) {
    delimiter = hint[1]!;
    text = text.slice(hint[0].length);
    offset = 1;
  }
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  delimiter ??= detectDelimiter(firstLine);

  const problems: RowProblem[] = [];
  let rows: Array<{ record: string[]; info: { lines: number }; raw: string }>;
  try {
    rows = parse(text, {
      delimiter,
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err)
          problems.push({ line: offset + Number(err.lines ?? 0), column: '(row)', problem: `is not valid CSV: ${err.message.replace(/ at line \d+/, '')}` });
        return undefined;
      },
    }) as unknown as Array<{ record: string[]; info: { lines: number }; raw: string }>;
  } catch (err) {
    throw new AccountBookError(`is not a CSV file: ${(err as Error).message}`);
  }
  const [head, ...body] = rows;
  if (!head) throw new AccountBookError('is empty: it needs a header row with at least a "name" column');
  const headers = head.record.map((h) => h.trim());
  const keys = headers.map(headerKey);
  if (!keys.includes('name')) {
    throw new AccountBookError(
      `has no "name" column (its header row is: ${headers.join(', ') || 'empty'}); a CRM export's account name column must be called name`,
    );
  }
  const columnOf = (key: string) => {
    const i = keys.indexOf(key);
    return i >= 0 ? `${headers[i]} (${columnLetter(i)})` : key;
  };

  const accounts: BookAccount[] = [];
  const seen = new Map<string, number>();
  for (const row of body) {
    // csv-parse reports the line a record ends on; a quoted line break inside it moves its start up.
    const inner = row.raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
    const line = offset + row.info.lines - (inner.match(/\n/g)?.length ?? 0);
    if (row.record.every((v) => v.trim() === '')) continue;
    const fields: Record<string, string> = {};
    const extra: Record<string, string> = {};
    row.record.forEach((value, i) => {
      const key = keys[i];
      if (key === undefined) return;
      if ((KNOWN as readonly string[]).includes(key)) fields[key] = value;
      else if (value.trim() !== '' && headers[i]) extra[headers[i]] = value.trim();
    });
    const parsed = Row.safeParse(fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      problems.push({ line, column: columnOf(String(issue.path[0] ?? 'name')), problem: issue.message });
      continue;
    }
    const r = parsed.data;
    const nameKey = r.name.toLowerCase();
    if (seen.has(nameKey)) {
      problems.push({ line, column: columnOf('name'), problem: `"${r.name}" is already the account on line ${seen.get(nameKey)}; the first row is kept` });
      continue;
    }
    seen.set(nameKey, line);
    accounts.push({
      name: r.name,
      channels: r.slack_channels.map((c) => c.replace(/^#/, '')),
      teamId: r.slack_team_id,
      owner: r.owner,
      arr: r.arr,
      plan: r.plan,
      renewalDate: r.renewal_date,
      health: r.health,
      status: r.status,
      statusDate: r.status_date,
      milestonesDone: r.milestones_done,
      milestonesTotal: r.milestones_total,
      extra,
      line,
    });
  }
  return { accounts, problems, delimiter };
}

/**
 * The account book file, reloaded when it changes: the folder is watched (so an editor or CRM sync that
 * replaces the file by renaming is seen too), changes are debounced, and the file is re-read only when its
 * modification time or size moved. A file that turns unreadable or invalid keeps the last good book.
 */
export class AccountBookFile {
  private book: AccountBook;
  private version: string;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(book: AccountBook) => void> = [];

  private constructor(
    readonly path: string,
    book: AccountBook,
    version: string,
  ) {
    this.book = book;
    this.version = version;
  }

  /** Reads and parses the file once; throws (with the reason) when it cannot be an account book. */
  static async open(file: string): Promise<AccountBookFile> {
    const [text, version] = await Promise.all([readFile(file, 'utf8'), versionOf(file)]);
    return new AccountBookFile(file, parseAccountBook(text), version);
  }

  current(): AccountBook {
    return this.book;
  }

  /** Called with each newly loaded book. */
  onReload(fn: (book: AccountBook) => void): void {
    this.listeners.push(fn);
  }

  /** Starts watching; `pollMs` is the fallback for filesystems without change events. */
  watch(log: Logger, pollMs = 30_000): void {
    if (this.watcher || this.poll) return;
    const schedule = () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload(log), 100);
    };
    try {
      const name = path.basename(this.path);
      this.watcher = watch(path.dirname(this.path), { persistent: false }, (_event, changed) => {
        if (!changed || changed.toString() === name) schedule();
      });
      this.watcher.on('error', (err) => log.warn('cannot watch the account book folder; polling it instead', { err }));
    } catch (err) {
      log.warn('cannot watch the account book folder; polling it instead', { err });
    }
    this.poll = setInterval(schedule, pollMs);
    this.poll.unref();
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    this.watcher = undefined;
    this.poll = undefined;
  }

  /** Re-reads the file when it changed; keeps the last good book when the new one cannot be read. */
  async reload(log: Logger): Promise<boolean> {
    try {
      const version = await versionOf(this.path);
      if (version === this.version) return false;
      const book = parseAccountBook(await readFile(this.path, 'utf8'));
      this.version = version;
      this.book = book;
      log.info('account book reloaded', { path: this.path, accounts: book.accounts.length, skippedRows: book.problems.length });
      reportProblems(book, this.path, log);
      for (const fn of this.listeners) fn(book);
      return true;
    } catch (err) {
      log.error('the account book changed but could not be read; the previous version stays in use', { path: this.path, err });
      return false;
    }
  }
}

/** One warning per skipped row, naming its line and column. */
export function reportProblems(book: AccountBook, file: string, log: Logger): void {
  for (const p of book.problems) log.warn(`account book row skipped: line ${p.line}, column ${p.column}: ${p.problem}`, { path: file, ...p });
}

async function versionOf(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.mtimeMs}:${s.size}`;
}
