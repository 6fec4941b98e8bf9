import { describe, expect, it } from 'vitest';
import type { BookAccount } from '../../src/config/account-book.js';
import { accountForChannel, accountsAtRisk, healthRisk, milestones, retention } from '../../src/domain/accounts.js';
import { BRIEF_TOKENS, writeBrief } from '../../src/llm/account-brief.js';
import { estimateTokens } from '../../src/personas/models.js';

const NOW = Date.UTC(2026, 5, 15);
const row = (o: Partial<BookAccount> & { name: string }): BookAccount => ({ channels: [], extra: {}, line: 2, ...o });

describe('accounts', () => {
  const book = [
    row({ name: 'Acme Corp', channels: ['acme-internal'], teamId: 'T0ACME' }),
    row({ name: 'Globex', channels: ['C0GLOBEX'] }),
    row({ name: 'Initech' }),
  ];

  it('a channel’s account: listed by id or name, mapped by config, or the Slack Connect organisation (by team id, then name)', () => {
    expect(accountForChannel({ channel: 'C0GLOBEX', customers: [] }, book, {})?.name).toBe('Globex');
    expect(accountForChannel({ channel: 'C0X', name: 'Acme-Internal', customers: [] }, book, {})).toMatchObject({
      id: 't-T0ACME',
      name: 'Acme Corp',
    });
    expect(accountForChannel({ channel: 'C0MAP', customers: [] }, book, { C0MAP: 'initech' })).toMatchObject({
      id: 'n-initech',
      name: 'Initech',
    });
    expect(accountForChannel({ channel: 'C0MAP', customers: [] }, book, { C0MAP: 'Nobody Ltd' })).toEqual({
      id: 'n-nobody-ltd',
      name: 'Nobody Ltd',
    });
    expect(
      accountForChannel({ channel: 'C0SC', customers: [{ id: 'T0ACME', name: 'ACME (Slack)' }] }, book, {})?.name,
    ).toBe('Acme Corp');
    expect(accountForChannel({ channel: 'C0SC', customers: [{ id: 'T0INI', name: 'initech' }] }, book, {})?.name).toBe(
      'Initech',
    );
    expect(accountForChannel({ channel: 'C0SC', customers: [{ id: 'T0NEW', name: 'Newco' }] }, book, {})).toEqual({
      id: 't-T0NEW',
      name: 'Newco',
      teamId: 'T0NEW',
    });
    expect(accountForChannel({ channel: 'C0SUPPORT', customers: [] }, book, {})).toBeUndefined();
  });

  it('health as CRMs export it, retention over renewals that fell in the period, milestones of live accounts', () => {
    expect(['Red', 'at-risk', '35', '6', 'Amber', '70%', 'Green', 'Healthy', '', 'meh'].map(healthRisk)).toEqual([
      'high',
      'high',
      'high',
      'medium',
      'medium',
      'medium',
      'low',
      'low',
      'unknown',
      'unknown',
    ]);
    const r = retention(
      [
        row({ name: 'a', renewalDate: '2026-06-01', status: 'renewed' }),
        row({ name: 'b', renewalDate: '2026-01-01', status: 'active' }),
        row({ name: 'c', renewalDate: '2026-03-01', status: 'churned' }),
        row({ name: 'd', statusDate: '2026-02-01', status: 'churned' }), // no renewal date: its churn date counts
        row({ name: 'e', renewalDate: '2026-07-01', status: 'active' }), // not due yet
        row({ name: 'f', renewalDate: '2025-01-01', status: 'churned' }), // before the period
        row({ name: 'g', renewalDate: '2026-05-01' }), // no status: nobody said
      ],
      NOW,
    );
    expect(r).toEqual({ retained: 2, churned: 2, rate: 50, periodDays: 365 });
    expect(
      milestones([
        row({ name: 'a', milestonesDone: 1, milestonesTotal: 4 }),
        row({ name: 'b', status: 'churned', milestonesDone: 0, milestonesTotal: 9 }),
      ]),
    ).toEqual({
      done: 1,
      total: 4,
      accounts: 1,
      rate: 25,
    });
  });

  it('at risk, riskiest first: health, escalations, a recent churn signal, a near renewal; churned and quiet accounts left out', () => {
    const state = (name: string, o: Partial<BookAccount>, more = {}) => ({
      account: { id: name, name, book: row({ name, ...o }) },
      openEscalations: 0,
      unacknowledged: 0,
      ...more,
    });
    const rows = accountsAtRisk(
      [
        state('quiet', { health: 'Green', renewalDate: '2026-06-20' }),
        state('watch', { health: 'Amber', renewalDate: '2026-08-01' }),
        state(
          'burning',
          { health: 'Red', renewalDate: '2026-06-30' },
          {
            openEscalations: 1,
            unacknowledged: 1,
            latestSignal: { kind: 'churn_risk', confidence: 0.9, at: NOW - 86_400_000 },
          },
        ),
        state('gone', { health: 'Red', status: 'churned' }),
        state('old signal', {}, { latestSignal: { kind: 'churn_risk', confidence: 0.9, at: NOW - 60 * 86_400_000 } }),
      ],
      NOW,
    );
    expect(rows.map((r) => [r.account.name, r.reasons])).toEqual([
      ['burning', ['poor health', 'unacknowledged escalation', 'churn-risk signal', 'renewal within 30 days']],
      ['watch', ['health to watch', 'renewal within 90 days']],
    ]);
  });

  it('the brief stays within its token bound however much the book and memory hold', () => {
    const extra = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`Custom field ${i}`, 'x'.repeat(200)]));
    const brief = writeBrief({
      account: {
        id: 'n-big',
        name: 'Big Co',
        book: row({
          name: 'Big Co',
          plan: 'Enterprise',
          arr: 1e6,
          renewalDate: '2026-07-01',
          health: 'Red',
          owner: 'U0CSM1',
          extra,
        }),
      },
      escalations: Array.from({ length: 20 }, (_, i) => ({
        id: `e${i}`,
        area: 'Complex customer negotiations',
        channel: 'C1',
        threadTs: '1.1',
        openedAt: NOW,
      })),
      digest: {
        id: 'd',
        at: NOW,
        csat: 2,
        themes: Array.from({ length: 8 }, () => 'y'.repeat(80)),
        risks: Array.from({ length: 5 }, () => ({ title: 'z'.repeat(160), area: null, confidence: 0.9 })),
      },
      signals: [],
      csat: { surveys: 3, responded: 2, responses: 4, average: 3.25, lastAt: NOW },
      now: NOW,
    });
    expect(estimateTokens(brief)).toBeLessThanOrEqual(BRIEF_TOKENS);
    expect(brief.split('\n')[0]).toBe('- Account: Big Co · plan Enterprise · ARR $1,000,000');
    expect(brief).toContain('- Open escalations: 20 — ');
    expect(brief).toContain('- Last measured CSAT: 3.3/5 from 4 survey responses (last 90 days)');
  });
});
