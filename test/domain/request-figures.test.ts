import { describe, expect, it } from 'vitest';
import { RequestsSchema } from '../../src/config/requests.js';
import { businessDuration, requestFigures, spread, yourRequests } from '../../src/domain/request-figures.js';
import type { RequestRecord } from '../../src/domain/requests.js';
import { markFired, slaPolicy } from '../../src/domain/request-sla.js';
import { assign, openRequest, resolve, respond, withdraw } from '../../src/domain/request-lifecycle.js';

const H = 3_600_000;
const M = 60_000;
const NOW = Date.UTC(2026, 10, 18, 12, 0); // Wednesday 18 November 2026
const P = slaPolicy(RequestsSchema.parse({}));

let n = 0;
function req(account: string | undefined, openedHoursAgo: number): RequestRecord {
  n += 1;
  return openRequest(
    {
      channel: 'C0SHARED',
      messageTs: `${1_700_000_000 + n}.000100`,
      askerId: 'U0CUSTOMER',
      text: `question ${n}`,
      at: NOW - openedHoursAgo * H,
      via: 'every',
      ...(account ? { account: { id: account, name: account } } : {}),
    },
    P,
  );
}

describe('requestFigures', () => {
  it('counts opened requests per week, and first response and resolution as median and p90 in business time', () => {
    const a = resolve(respond(req('Acme', 30), { by: 'U1', at: NOW - 29 * H }, P), { by: 'U1', at: NOW - 20 * H }, P); // 1h, 10h
    const b = resolve(respond(req('Acme', 10), { by: 'U1', at: NOW - 8 * H }, P), { by: 'U1', at: NOW - 4 * H }, P); // 2h, 6h
    const c = respond(req('Globex', 6), { by: 'U1', at: NOW - 1 * H }, P); // 5h, open
    const old = req('Initech', 24 * 7 * 12); // opened 12 weeks ago: outside the window, still open
    const f = requestFigures([a, b, c, old, a], NOW);
    expect(f.opened).toBe(3);
    expect(f.openedPerWeek).toHaveLength(8);
    expect(f.openedPerWeek.reduce((x, y) => x + y, 0)).toBe(3);
    expect(f.firstResponse).toEqual({ median: 2 * H, p90: 5 * H, count: 3 });
    expect(f.resolution).toEqual({ median: 6 * H, p90: 10 * H, count: 2 });
    expect(f.open).toBe(2);
    expect(f.topAccounts).toEqual([
      { account: 'Globex', open: 1, breached: 0 },
      { account: 'Initech', open: 1, breached: 0 },
    ]);
  });

  it('judges SLA attainment per target: met in time, missed once due passed, undecided while running', () => {
    const inTime = respond(req('Acme', 10), { by: 'U1', at: NOW - 9 * H }, P); // normal: 4h first response
    const late = respond(req('Acme', 10), { by: 'U1', at: NOW - 3 * H }, P); // answered after 7h
    const unanswered = req('Acme', 5); // 5h and no reply: missed
    const fresh = req('Acme', 1); // 1h: still running
    const f = requestFigures([inTime, late, unanswered, fresh], NOW);
    expect(f.attainment.firstResponse).toEqual({ met: 1, decided: 3, percent: 33 });
    expect(f.attainment.resolution).toEqual({ met: 0, decided: 0, percent: null });
  });

  it('sorts open requests by age and names the accounts with most of them, with their breaches', () => {
    const rows = [
      req('Acme', 1),
      markFired(req('Acme', 30), { target: 'firstResponse', kind: 'breach' }, NOW),
      req('Acme', 100),
      req('Globex', 200),
      req(undefined, 2),
      withdraw(req('Hooli', 1), NOW),
    ];
    const f = requestFigures(rows, NOW);
    expect(Object.fromEntries(f.openByAge.map((b) => [b.label, b.count]))).toEqual({
      'under 4 hours': 2,
      '4–24 hours': 0,
      '1–3 days': 1,
      '3–7 days': 1,
      'over a week': 1,
    });
    expect(f.topAccounts[0]).toEqual({ account: 'Acme', open: 3, breached: 1 });
    expect(f.topAccounts.map((a) => a.account)).toEqual(['Acme', 'Globex', 'No account']);
    expect(f.openBreached).toBe(1);
  });

  it('has no median without data', () => {
    expect(spread([])).toEqual({ median: null, p90: null, count: 0 });
    expect(requestFigures([], NOW).attainment.firstResponse.percent).toBeNull();
  });
});

describe('yourRequests', () => {
  it('lists the open requests assigned to one person, soonest due first, with overdue ones marked', () => {
    const mine = (r: RequestRecord) => assign(r, { assignee: 'U0ME', via: 'button', at: NOW });
    const answered = mine(respond(req('Acme', 2), { by: 'U0ME', at: NOW - H }, P)); // resolution due in 70h
    const overdue = mine(req('Globex', 5)); // first response was due an hour ago
    const soon = mine(req('Initech', 1)); // due in 3h
    const done = mine(resolve(req('Acme', 3), { by: 'U0ME', at: NOW }, P));
    const theirs = req('Acme', 1);
    const rows = yourRequests([answered, overdue, soon, done, theirs], 'U0ME', NOW);
    expect(rows.map((r) => [r.account, r.target, r.overdue])).toEqual([
      ['Globex', 'firstResponse', true],
      ['Initech', 'firstResponse', false],
      ['Acme', 'resolution', false],
    ]);
    expect(rows[1]!.dueAt).toBe(NOW + 3 * H);
  });
});

describe('businessDuration', () => {
  it('reads as minutes, then hours', () => {
    expect(businessDuration(45 * M)).toBe('45 min');
    expect(businessDuration(150 * M)).toBe('2.5 h');
    expect(businessDuration(37 * H)).toBe('37 h');
  });
});
