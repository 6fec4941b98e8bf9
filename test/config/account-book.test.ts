import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AccountBookError, parseAccountBook } from '../../src/config/account-book.js';

/** The account book (LUNA_ACCOUNTS) on CSVs as CRMs and spreadsheets really write them (test/fixtures/accounts). */
const fixture = (name: string) => readFile(new URL(`../fixtures/accounts/${name}`, import.meta.url), 'utf8');

describe('the account book parser', () => {
  it('reads a HubSpot-style export: BOM, mixed-case headers with spaces, quotes with commas, line breaks and escaped quotes', async () => {
    const book = parseAccountBook(await fixture('hubspot.csv'));
    expect(book.problems).toEqual([]);
    expect(book.delimiter).toBe(',');
    expect(book.accounts.map((a) => a.name)).toEqual(['Acme, Inc.', 'Globex', 'Initech']);
    const [acme, globex, initech] = book.accounts;
    expect(acme).toMatchObject({
      channels: ['C0ACMESHARED', 'acme-internal'],
      teamId: 'T0ACME',
      owner: 'U0CSM1',
      arr: 120000,
      plan: 'Enterprise',
      renewalDate: '2026-03-31',
      health: 'At risk',
      status: 'active',
      milestonesDone: 3,
      milestonesTotal: 5,
      line: 2,
    });
    // Unknown columns are kept as facts, under their header as written; the quoted line break stays in the value.
    expect(acme!.extra).toEqual({
      'Record ID': '101',
      'Lifecycle Stage': 'customer',
      Notes: 'Prefers email.\nExec sponsor: Jo "JJ" Park',
    });
    // The row after a two-line record starts on line 4.
    expect(globex).toMatchObject({
      channels: ['C0GLOBEX', 'globex-team'],
      renewalDate: '2026-01-15',
      status: 'renewed',
      statusDate: '2026-01-10',
      line: 4,
    });
    expect(initech).toMatchObject({
      renewalDate: '2026-11-30',
      health: '72',
      status: 'churned',
      statusDate: '2026-11-28',
      line: 5,
    });
  });

  it('reads a Salesforce-style export: every field quoted, CRLF line ends, a comma inside a quoted value', async () => {
    const book = parseAccountBook(await fixture('salesforce.csv'));
    expect(book.problems).toEqual([]);
    expect(book.accounts).toHaveLength(2);
    expect(book.accounts[0]).toMatchObject({
      name: 'Umbrella Corp',
      arr: 250000,
      plan: 'Enterprise Plus',
      renewalDate: '2027-02-01',
      milestonesDone: 1,
      milestonesTotal: 6,
    });
    expect(book.accounts[0]!.extra).toEqual({ 'Account Number': 'CD355118', Industry: 'Pharma, Biotech' });
    expect(book.accounts[1]).toMatchObject({ name: 'Hooli', status: 'churned', statusDate: '2026-10-02', line: 3 });
  });

  it('reads a spreadsheet saved with `;` (and Excel’s sep= line): European amounts and dates, a quoted `;`', async () => {
    const book = parseAccountBook(await fixture('excel-semicolon.csv'));
    expect(book.problems).toEqual([]);
    expect(book.delimiter).toBe(';');
    expect(book.accounts.map((a) => [a.name, a.arr, a.renewalDate, a.channels])).toEqual([
      ['Stark; Industries', 1250000.5, '2026-12-31', ['C0STARK']],
      ['Wayne Enterprises', 75000, '2026-06-01', ['C0WAYNE', 'wayne-ops']],
    ]);
    // Without the sep= hint the delimiter is detected from the header row.
    const plain = parseAccountBook('Name;ARR\n"A, B";"1.000"\n');
    expect(plain.accounts[0]).toMatchObject({ name: 'A, B', arr: 1000 });
  });

  it('skips bad rows, reporting each with its line and column, and loads the rest', async () => {
    const book = parseAccountBook(await fixture('bad-rows.csv'));
    expect(book.accounts.map((a) => a.name)).toEqual(['Good One', 'Good Two']);
    expect(book.problems.map((p) => `line ${p.line}, ${p.column}: ${p.problem}`)).toEqual([
      'line 3, name (A): is empty: every account needs a name',
      'line 4, owner (C): must be a Slack user ID (U…/W…)',
      'line 5, arr (D): "lots" is not an amount; write ARR as a number such as 120000',
      'line 6, renewal_date (E): "2026-02-30" is not a date; write the renewal date as 2026-03-31 (or 3/31/2026, 31.03.2026)',
      'line 7, status (F): "paused" is not a status; use one of active, renewed, churned',
      'line 8, milestones_done (G): 5 done is more than the 3 in total',
    ]);
  });

  it('a row that is not even CSV (an unclosed quote) is reported, the rows before it load', () => {
    const book = parseAccountBook('name,arr\nOk,1\n"Broken,2\nLater,3\n');
    expect(book.accounts.map((a) => a.name)).toEqual(['Ok']);
    expect(book.problems[0]).toMatchObject({
      column: '(row)',
      problem: expect.stringMatching(/not valid CSV/) as unknown,
    });
  });

  it('a file without a name column, or an empty one, is no account book', () => {
    expect(() => parseAccountBook('company,arr\nAcme,1\n')).toThrow(AccountBookError);
    expect(() => parseAccountBook('company,arr\nAcme,1\n')).toThrow(
      /no "name" column \(its header row is: company, arr\)/,
    );
    expect(() => parseAccountBook('')).toThrow(/is empty/);
  });
});
