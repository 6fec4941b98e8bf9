import { stringify } from 'csv-stringify/sync';
import type { RequestRecord } from '../domain/requests.js';

/**
 * The requests of a period as CSV (PRODUCT.md: "writes the requests of a period as CSV"), one row per request,
 * with the columns issue 20 lists. Times are ISO 8601 in UTC; business minutes are whole minutes of
 * `requests.hours` as measured when the request was answered and resolved; `breached` lists the targets that
 * were breached (`first_response;resolution`). Quoting is csv-stringify's (RFC 4180).
 */
export const REQUEST_CSV_COLUMNS = [
  'id',
  'account',
  'channel',
  'permalink',
  'opened_at',
  'first_response_at',
  'resolved_at',
  'priority',
  'assignee',
  'first_response_business_minutes',
  'resolution_business_minutes',
  'breached',
] as const;

const TARGET_COLUMN = { firstResponse: 'first_response', resolution: 'resolution' } as const;

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());
const minutes = (ms: number | undefined) => (ms === undefined ? '' : String(Math.round(ms / 60_000)));

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a formula; names come from
 * an account book or another organisation's Slack, so such a cell gets a leading apostrophe (OWASP's advice).
 */
function inert(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function requestsCsv(records: readonly RequestRecord[]): string {
  const rows = records.map((r) => [
    r.id,
    inert(r.accountName ?? ''),
    r.channel,
    r.permalink ?? '',
    iso(r.openedAt),
    iso(r.firstResponseAt),
    r.status === 'resolved' ? iso(r.resolvedAt) : '',
    r.priority,
    r.assigneeId ?? '',
    minutes(r.firstResponseMs),
    r.status === 'resolved' ? minutes(r.resolutionMs) : '',
    r.breached.map((t) => TARGET_COLUMN[t]).join(';'),
  ]);
  return stringify(rows, { header: true, columns: [...REQUEST_CSV_COLUMNS], record_delimiter: 'unix' });
}
