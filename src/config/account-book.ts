import { parse } from 'csv-parse/sync';
import { BookRow, KNOWN_COLUMNS, type AccountStatus } from './account-book-row.js';

// The account book (`LUNA_ACCOUNTS`): a CSV as CRMs and spreadsheets export it. Header names are matched
// case-insensitively (spaces, dashes and dots count as `_`, so "Renewal Date" is `renewal_date`); the
// delimiter is detected from the header row (`,`, `;` or tab, or an Excel `sep=;` first line); a UTF-8 BOM,
// quoted fields with delimiters and line breaks, and blank lines are handled by csv-parse. Every row is
// validated with zod: a bad row is reported with its line and column and skipped, the rest load. Columns
// LUNA does not know are kept as extra facts.

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
          problems.push({
            line: offset + Number(err.lines ?? 0),
            column: '(row)',
            problem: `is not valid CSV: ${err.message.replace(/ at line \d+/, '')}`,
          });
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
      if ((KNOWN_COLUMNS as readonly string[]).includes(key)) fields[key] = value;
      else if (value.trim() !== '' && headers[i]) extra[headers[i]] = value.trim();
    });
    const parsed = BookRow.safeParse(fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      problems.push({ line, column: columnOf(String(issue.path[0] ?? 'name')), problem: issue.message });
      continue;
    }
    const r = parsed.data;
    const nameKey = r.name.toLowerCase();
    if (seen.has(nameKey)) {
      problems.push({
        line,
        column: columnOf('name'),
        problem: `"${r.name}" is already the account on line ${seen.get(nameKey)}; the first row is kept`,
      });
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
