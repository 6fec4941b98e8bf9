import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { RequestsSchema } from '../../src/config/requests.js';
import { firstWordsOf, RequestRecord, startingPriority } from '../../src/domain/requests.js';
import { markFired, nextDue, slaPolicy, timersOf, timerVerdict } from '../../src/domain/request-sla.js';
import {
  assign,
  canGroup,
  groupFollowUp,
  openRequest,
  reopen,
  resolve,
  respond,
  setPriority,
  withdraw,
  type OpenInput,
} from '../../src/domain/request-lifecycle.js';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 10, 2, 10, 0); // Monday 2 November 2026, 10:00 UTC

/** 24/7 with PRODUCT.md's targets, Enterprise accounts at high. */
const POLICY = slaPolicy(RequestsSchema.parse({ priorityByPlan: { Enterprise: 'high' } }));
const OFFICE = slaPolicy(RequestsSchema.parse({ hours: { timezone: 'Europe/Berlin', from: '09:00', to: '18:00' } }));

const input = (over: Partial<OpenInput> = {}): OpenInput => ({
  channel: 'C0ACME',
  messageTs: '1762077600.000100',
  askerId: 'U0CUSTOMER',
  text: 'Our CSV export fails since this morning',
  at: T0,
  via: 'every',
  account: { id: 't-T0ACME', name: 'Acme Corp', plan: 'Pro' },
  ...over,
});

describe('opening a request', () => {
  it('is one id per opening message, at normal priority, with both targets and their warnings scheduled', () => {
    const r = openRequest(input(), POLICY);
    expect(RequestRecord.parse(r)).toEqual(r);
    expect(r).toMatchObject({
      id: 'C0ACME-1762077600.000100',
      threadTs: '1762077600.000100',
      status: 'open',
      priority: 'normal',
      accountName: 'Acme Corp',
    });
    expect(r.due).toEqual({ firstResponse: T0 + 4 * H, resolution: T0 + 72 * H });
    expect(r.warn).toEqual({ firstResponse: T0 + 3 * H, resolution: T0 + 54 * H });
    expect(r.assigneeId).toBeUndefined();
  });

  it('starts at the plan’s priority (plans matched case-insensitively), or at the model’s reading when there is one', () => {
    expect(openRequest(input({ account: { id: 'a', name: 'A', plan: 'enterprise ' } }), POLICY).priority).toBe('high');
    expect(
      openRequest(input({ account: { id: 'a', name: 'A', plan: 'Enterprise' }, priority: 'urgent' }), POLICY).priority,
    ).toBe('urgent');
    expect(startingPriority(undefined, { Enterprise: 'high' })).toBe('normal');
    expect(startingPriority('Starter', { Enterprise: 'high' })).toBe('normal');
  });

  it('is assigned to the account’s owner from the account book', () => {
    const r = openRequest(input({ account: { id: 'a', name: 'A', owner: 'U0OWNER' } }), POLICY);
    expect(r).toMatchObject({ assigneeId: 'U0OWNER', assignedVia: 'owner' });
  });

  it('keeps the first words, Slack markup made plain and cut at 200 characters', () => {
    expect(
      firstWordsOf('Hi <@U0CSM1|anna>, see <https://acme.example/x|the report> in <#C0GENERAL|general> <!here>'),
    ).toBe('Hi @anna, see the report in #general @here');
    expect(firstWordsOf('ping <@U0CSM1> about <https://acme.example/y>')).toBe(
      'ping @someone about https://acme.example/y',
    );
    const long = firstWordsOf('word '.repeat(100));
    expect([...long].length).toBeLessThanOrEqual(200);
    expect(long.endsWith('…')).toBe(true);
  });

  it('counts due times in business hours: Friday 17:45 + 30m urgent is Monday 09:15 in Berlin', () => {
    const fri = DateTime.fromISO('2026-11-06T17:45', { zone: 'Europe/Berlin' }).toMillis();
    const r = openRequest(input({ at: fri, priority: 'urgent' }), OFFICE);
    expect(DateTime.fromMillis(r.due.firstResponse, { zone: 'Europe/Berlin' }).toFormat('ccc HH:mm')).toBe('Mon 09:15');
  });
});

describe('grouping a customer’s follow-ups', () => {
  const r = openRequest(input(), POLICY);

  it('joins a top-level message within groupMinutes of the last one, and the window moves with each', () => {
    const a = groupFollowUp(r, { ts: '1762077660.000100', at: T0 + 60_000 }, POLICY)!;
    expect(a.followUps).toEqual(['1762077660.000100']);
    expect(a.lastCustomerAt).toBe(T0 + 60_000);
    const b = groupFollowUp(a, { ts: '1762077750.000100', at: T0 + 60_000 + 110_000 }, POLICY)!;
    expect(b.followUps).toHaveLength(2);
    expect(groupFollowUp(b, { ts: '1762078000.000100', at: T0 + 170_000 + 121_000 }, POLICY)).toBeUndefined();
  });

  it('is a no-op for a message it already holds (a Slack retry), and never joins a resolved request', () => {
    const a = groupFollowUp(r, { ts: '1762077660.000100', at: T0 + 60_000 }, POLICY)!;
    expect(groupFollowUp(a, { ts: '1762077660.000100', at: T0 + 60_000 }, POLICY)).toBe(a);
    expect(groupFollowUp(r, { ts: r.messageTs, at: T0 }, POLICY)).toBe(r);
    const done = resolve(r, { by: 'U0CSM1', at: T0 + 30_000 }, POLICY);
    expect(groupFollowUp(done, { ts: '1762077660.000100', at: T0 + 60_000 }, POLICY)).toBeUndefined();
  });

  it('never groups with groupMinutes 0', () => {
    const p = slaPolicy(RequestsSchema.parse({ groupMinutes: 0 }));
    expect(canGroup(openRequest(input(), p), T0 + 1, p)).toBe(false);
  });
});

describe('the lifecycle', () => {
  const r = openRequest(input(), POLICY);

  it('takes the first response once, measured in business time', () => {
    const a = respond(r, { by: 'U0CSM1', at: T0 + 90 * M }, POLICY);
    expect(a).toMatchObject({
      status: 'first-responded',
      firstResponderId: 'U0CSM1',
      firstResponseAt: T0 + 90 * M,
      firstResponseMs: 90 * M,
    });
    expect(respond(a, { by: 'U0OTHER', at: T0 + 2 * H }, POLICY)).toBe(a);
  });

  it('assigns, and changes nothing for the same assignee again', () => {
    const a = assign(r, { assignee: 'U0CSM2', via: 'button', at: T0 + M });
    expect(a).toMatchObject({ assigneeId: 'U0CSM2', assignedVia: 'button' });
    expect(assign(a, { assignee: 'U0CSM2', via: 'button', at: T0 + 2 * M })).toBe(a);
  });

  it('recomputes the due times when the priority changes', () => {
    const a = setPriority(r, 'urgent', T0 + M, POLICY);
    expect(a.due).toEqual({ firstResponse: T0 + 30 * M, resolution: T0 + 4 * H });
    expect(a.warn.firstResponse).toBe(T0 + 22.5 * M);
    expect(setPriority(a, 'urgent', T0 + 2 * M, POLICY)).toBe(a);
  });

  it('resolves once; resolving without a reply counts as the first response', () => {
    const a = resolve(r, { by: 'U0CSM1', at: T0 + 5 * H }, POLICY);
    expect(a).toMatchObject({
      status: 'resolved',
      resolvedBy: 'U0CSM1',
      resolutionMs: 5 * H,
      firstResponseAt: T0 + 5 * H,
      firstResponseMs: 5 * H,
    });
    expect(resolve(a, { by: 'U0CSM2', at: T0 + 6 * H }, POLICY)).toBe(a);
  });

  it('reopens when the customer writes again, the resolution clock running on from where it stopped', () => {
    const resolved = resolve(
      respond(r, { by: 'U0CSM1', at: T0 + H }, POLICY),
      { by: 'U0CSM1', at: T0 + 10 * H },
      POLICY,
    );
    const again = reopen(resolved, T0 + 20 * H, POLICY);
    expect(again).toMatchObject({ status: 'reopened', reopens: 1, resolutionSpentMs: 10 * H, reopenedAt: T0 + 20 * H });
    expect(again.resolvedAt).toBeUndefined();
    // 72h target, 10h spent: due 62h after the reopening; the first response stays as it was.
    expect(again.due.resolution).toBe(T0 + 20 * H + 62 * H);
    expect(again.firstResponseAt).toBe(T0 + H);
    const closed = resolve(again, { by: 'U0CSM1', at: T0 + 25 * H }, POLICY);
    expect(closed.resolutionMs).toBe(15 * H);
    expect(reopen(r, T0 + H, POLICY)).toBe(r);
  });

  it('withdraws once, and a withdrawn request takes no other change', () => {
    const a = withdraw(r, T0 + M);
    expect(a).toMatchObject({ status: 'withdrawn', withdrawnAt: T0 + M });
    expect(withdraw(a, T0 + 2 * M)).toBe(a);
    expect(resolve(a, { by: 'U0CSM1', at: T0 + 3 * M }, POLICY)).toBe(a);
    expect(setPriority(a, 'urgent', T0, POLICY)).toBe(a);
    expect(timersOf(a)).toEqual([]);
  });
});

describe('warning and breach timers', () => {
  const r = openRequest(input(), POLICY);

  it('lists both targets’ warnings and breaches, soonest first, and drops a target once it is met', () => {
    expect(timersOf(r).map((t) => `${t.target}.${t.kind}@${(t.at - T0) / H}h`)).toEqual([
      'firstResponse.warn@3h',
      'firstResponse.breach@4h',
      'resolution.warn@54h',
      'resolution.breach@72h',
    ]);
    const answered = respond(r, { by: 'U0CSM1', at: T0 + H }, POLICY);
    expect(timersOf(answered).map((t) => t.target)).toEqual(['resolution', 'resolution']);
    expect(timersOf(resolve(answered, { by: 'U0CSM1', at: T0 + 2 * H }, POLICY))).toEqual([]);
  });

  it('says fire once a timer’s time has come, early before, and stale once it fired, moved or its target was met', () => {
    const [warn, breach] = timersOf(r) as [ReturnType<typeof timersOf>[number], ReturnType<typeof timersOf>[number]];
    expect(timerVerdict(r, warn, warn.at - 1)).toBe('early');
    expect(timerVerdict(r, warn, warn.at)).toBe('fire');
    const warned = markFired(r, warn, warn.at);
    expect(warned.warned).toEqual(['firstResponse']);
    expect(timerVerdict(warned, warn, warn.at)).toBe('stale');
    expect(markFired(warned, warn, warn.at)).toBe(warned);
    expect(timersOf(warned).map((t) => `${t.target}.${t.kind}`)).not.toContain('firstResponse.warn');
    // A new priority moves the breach: the old timer is stale, the new one fires at its own time.
    const urgent = setPriority(r, 'urgent', T0 + M, POLICY);
    expect(timerVerdict(urgent, breach, breach.at)).toBe('stale');
    expect(timerVerdict(respond(r, { by: 'U0CSM1', at: T0 + M }, POLICY), breach, breach.at)).toBe('stale');
    expect(timerVerdict(undefined, breach, breach.at)).toBe('stale');
    const breached = markFired(r, breach, breach.at);
    expect(breached.breached).toEqual(['firstResponse']);
    expect(timersOf(breached).map((t) => t.target)).toEqual(['resolution', 'resolution']);
  });

  it('sorts by the soonest due time of a running target', () => {
    expect(nextDue(r)).toBe(T0 + 4 * H);
    expect(nextDue(respond(r, { by: 'U0CSM1', at: T0 + H }, POLICY))).toBe(T0 + 72 * H);
    expect(nextDue(resolve(r, { by: 'U0CSM1', at: T0 + H }, POLICY))).toBe(Number.POSITIVE_INFINITY);
  });

  it('a config whose only business day is not today never comes due today', () => {
    const now = DateTime.fromISO('2026-11-02T10:00', { zone: 'Europe/Berlin' }); // a Monday
    const onlyWednesdays = slaPolicy(
      RequestsSchema.parse({ hours: { timezone: 'Europe/Berlin', days: ['wed'], from: '09:00', to: '18:00' } }),
    );
    const q = openRequest(input({ at: now.toMillis(), priority: 'urgent' }), onlyWednesdays);
    for (const t of timersOf(q)) expect(timerVerdict(q, t, now.endOf('day').toMillis())).toBe('early');
    expect(DateTime.fromMillis(q.due.firstResponse, { zone: 'Europe/Berlin' }).toFormat('ccc HH:mm')).toBe('Wed 09:30');
  });
});
