import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestsSchema } from '../../src/config/requests.js';
import type { RequestRecord } from '../../src/domain/requests.js';
import { markFired, slaPolicy } from '../../src/domain/request-sla.js';
import { assign, openRequest, reopen, resolve, respond } from '../../src/domain/request-lifecycle.js';
import { exportRequests } from '../../src/cli/export-requests.js';
import { REQUEST_CSV_COLUMNS } from '../../src/render/requests-csv.js';
import { RequestStore } from '../../src/stores/requests.js';
import { clearPrefix } from '../helpers/harness.js';

/** `npm run requests:export` against requests in real Redis: once as an operator runs it (its own process), the rest in-process. */

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
const redis = new Redis(process.env.REDIS_URL!);
const P = slaPolicy(RequestsSchema.parse({ hours: { timezone: 'Europe/Berlin', from: '09:00', to: '18:00' } }));
const M = 60_000;
const H = 60 * M;
// Recent days, so the records are well inside their retention; Monday 09:00 Berlin of the week before last.
const monday = (() => {
  const d = new Date(Date.now() - 14 * 86_400_000);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 8, 0); // 09:00 in Berlin in winter, 10:00 in summer
})();
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The command in this process: same code, no second TypeScript compile per case. */
async function call(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await exportRequests(args, {
    env: { REDIS_URL: process.env.REDIS_URL, LUNA_REDIS_PREFIX: prefix },
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return { code, stdout, stderr };
}

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      ['--import', TSX, path.resolve('src/cli/requests-export.ts'), ...args],
      { env: { ...process.env, LUNA_REDIS_PREFIX: prefix, ...env } },
      (err, stdout, stderr) => resolvePromise({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let seq = 0;
const open = (at: number, account: string): RequestRecord =>
  openRequest(
    {
      channel: 'C0SHARED',
      messageTs: `${Math.floor(at / 1000)}.${String(++seq).padStart(6, '0')}`,
      askerId: 'U0CUST',
      text: 'help',
      at,
      via: 'every',
      account: { id: account, name: account },
    },
    P,
  );

const answered = open(monday, 'Acme Corp');
const breached = open(monday + H, '=HYPERLINK("http://x")');
const reopened = open(monday + 2 * H, 'Globex');
const before = open(monday - 3 * 86_400_000, 'Initech');

beforeAll(async () => {
  const store = new RequestStore(redis, prefix);
  for (const r of [answered, breached, reopened, before]) await store.open(r, P, { group: false });
  await store.update(answered.id, (r) => ({
    ...resolve(
      assign(respond(r, { by: 'U0CSM', at: monday + 30 * M }, P), { assignee: 'U0CSM', via: 'button', at: monday }),
      { by: 'U0CSM', at: monday + 2 * H },
      P,
    ),
    permalink: 'https://acme.slack.com/archives/C0SHARED/p1',
  }));
  await store.update(breached.id, (r) => markFired(r, { target: 'firstResponse', kind: 'breach' }, monday + 6 * H));
  await store.update(reopened.id, (r) => reopen(resolve(r, { by: 'U0CSM', at: monday + 3 * H }, P), monday + 4 * H, P));
});
afterAll(async () => {
  redis.disconnect();
  await clearPrefix(prefix);
});

describe('npm run requests:export', () => {
  it('writes the period’s requests with the issue’s columns, business minutes and breaches', async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'luna-export-')), 'requests.csv');
    const { code, stderr } = await run(['--from', day(monday), '--to', day(monday + 7 * 86_400_000), '--out', out]);
    expect(stderr).toMatch(/^3 requests opened .* written to /);
    expect(code).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text.split('\n')[0]).toBe(REQUEST_CSV_COLUMNS.join(','));
    const rows = parse<Record<string, string>>(text, { columns: true });
    expect(rows.map((r) => r.id)).toEqual([answered.id, breached.id, reopened.id]);
    expect(rows[0]).toEqual({
      id: answered.id,
      account: 'Acme Corp',
      channel: 'C0SHARED',
      permalink: 'https://acme.slack.com/archives/C0SHARED/p1',
      opened_at: new Date(monday).toISOString(),
      first_response_at: new Date(monday + 30 * M).toISOString(),
      resolved_at: new Date(monday + 2 * H).toISOString(),
      priority: 'normal',
      assignee: 'U0CSM',
      first_response_business_minutes: '30',
      resolution_business_minutes: '120',
      breached: '',
    });
    // A formula-looking account name cannot run in a spreadsheet; a breach is listed; a reopened request has no resolution yet.
    expect(rows[1]).toMatchObject({
      account: `'=HYPERLINK("http://x")`,
      breached: 'first_response',
      first_response_at: '',
      resolved_at: '',
    });
    expect(rows[2]).toMatchObject({
      resolved_at: '',
      resolution_business_minutes: '',
      first_response_business_minutes: '60',
    });
  });

  it('writes to standard output without --out, and an empty period is just the header', async () => {
    const { code, stdout } = await call(['--from', day(monday - 3 * 86_400_000), '--to', day(monday - 2 * 86_400_000)]);
    expect(code).toBe(0);
    expect(parse<{ id: string }>(stdout, { columns: true }).map((r) => r.id)).toEqual([before.id]);
    const empty = await call(['--from', '2001-01-01', '--to', '2001-02-01']);
    expect(empty.stdout).toBe(`${REQUEST_CSV_COLUMNS.join(',')}\n`);
  });

  it('says what is wrong with its arguments or an unreachable Redis, with exit codes 2 and 1', async () => {
    for (const [args, message] of [
      [[], /--from is required/],
      [['--from', 'last week'], /--from "last week" is not a date/],
      [['--from', '2026-12-01', '--to', '2026-11-01'], /--to must be after --from/],
      [['--from', '2026-11-01', '--format', 'xlsx'], /Unknown option '--format'/],
    ] as const) {
      const { code, stderr } = await call([...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).toContain('usage: npm run requests:export');
    }
    let stderr = '';
    const unreachable = await exportRequests(['--from', '2026-11-01'], {
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      stdout: () => {},
      stderr: (t) => void (stderr += t),
      waitMs: 500,
    });
    expect(unreachable).toBe(1);
    expect(stderr).toMatch(/Redis at 127\.0\.0\.1:1 did not answer within 0\.5 s; nothing was exported/);
  });
});
