import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RequestsSchema } from '../../src/config/requests.js';
import type { RequestRecord } from '../../src/domain/requests.js';
import { slaPolicy } from '../../src/domain/request-sla.js';
import {
  assign,
  openRequest,
  reopen,
  resolve,
  respond,
  setPriority,
  type OpenInput,
} from '../../src/domain/request-lifecycle.js';
import { requestKeys } from '../../src/stores/keys.js';
import { RequestStore } from '../../src/stores/requests.js';
import { timerMember } from '../../src/stores/request-timers.js';
import { clearPrefix } from '../helpers/harness.js';

const redis = new Redis(process.env.REDIS_URL!);
const other = new Redis(process.env.REDIS_URL!);
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await clearPrefix(p);
  redis.disconnect();
  other.disconnect();
});

/** A store on a fresh prefix, and a second one on another connection (another worker) on the same prefix. */
function stores() {
  const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return { a: new RequestStore(redis, prefix), b: new RequestStore(other, prefix), keys: requestKeys(prefix) };
}

const H = 3_600_000;
const P = slaPolicy(RequestsSchema.parse({}));
const NOW = Date.now();
let seq = 0;
const ts = () => `${Math.floor(NOW / 1000) + ++seq}.000100`;

function make(over: Partial<OpenInput> = {}): RequestRecord {
  return openRequest(
    {
      channel: 'C0ACME',
      messageTs: ts(),
      askerId: 'U0CUST',
      text: 'Export fails',
      at: NOW,
      via: 'every',
      account: { id: 't-T0ACME', name: 'Acme' },
      ...over,
    },
    P,
  );
}

describe('RequestStore: opening', () => {
  it('opens a request once, whoever asks and however often (a Slack retry, two workers)', async () => {
    const { a, b } = stores();
    const r = make();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).open(r, P)));
    expect(results.filter((x) => x.outcome === 'opened')).toHaveLength(1);
    expect(results.filter((x) => x.outcome === 'exists')).toHaveLength(9);
    expect(await a.get(r.id)).toEqual(r);
    expect(await a.openCount()).toBe(1);
    expect(await a.openCountForAccount('t-T0ACME')).toBe(1);
  });

  it('groups one customer’s top-level messages within groupMinutes into one request, even when they arrive at once', async () => {
    const { a, b } = stores();
    const messages = Array.from({ length: 6 }, (_, i) => make({ at: NOW + i * 1000 }));
    const results = await Promise.all(messages.map((m, i) => (i % 2 ? a : b).open(m, P)));
    expect(results.filter((x) => x.outcome === 'opened')).toHaveLength(1);
    expect(results.filter((x) => x.outcome === 'joined')).toHaveLength(5);
    const opened = results.find((x) => x.outcome === 'opened')!.record;
    const stored = (await a.get(opened.id))!;
    expect(stored.followUps).toHaveLength(5);
    // Every message (and so its thread) finds the one request.
    for (const m of messages) expect((await a.findByMessage('C0ACME', m.messageTs))?.id).toBe(opened.id);
    expect(await a.openCount()).toBe(1);
    // A retry of a grouped message changes nothing.
    const again = await a.open(
      messages.find((m) => m.id !== opened.id)!,
      P,
    );
    expect(again).toMatchObject({ outcome: 'joined', changed: false });
  });

  it('opens a separate request for another customer, for a reaction, and after the customer’s request was resolved', async () => {
    const { a } = stores();
    const first = make();
    await a.open(first, P);
    expect((await a.open(make({ askerId: 'U0OTHER' }), P)).outcome).toBe('opened');
    expect((await a.open(make({ via: 'reaction' }), P, { group: false })).outcome).toBe('opened');
    await a.update(first.id, (r) => resolve(r, { by: 'U0CSM', at: NOW + 1000 }, P));
    // The reaction-opened request is the customer's latest: it takes the next message.
    expect((await a.open(make({ at: NOW + 2000 }), P)).outcome).toBe('joined');
    await a.update((await a.findByMessage('C0ACME', first.messageTs))!.id, (r) => r);
    expect(await a.openCount()).toBe(2);
  });

  it('does not group at all with groupMinutes 0', async () => {
    const { a } = stores();
    const p0 = slaPolicy(RequestsSchema.parse({ groupMinutes: 0 }));
    expect((await a.open(make(), p0)).outcome).toBe('opened');
    expect((await a.open(make(), p0)).outcome).toBe('opened');
  });
});

describe('RequestStore: changes and indexes', () => {
  it('applies concurrent changes without losing any (compare-and-set)', async () => {
    const { a, b } = stores();
    const r = make();
    await a.open(r, P);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).update(r.id, (x) => ({
          ...x,
          followUps: [...x.followUps, `${1700000000 + i}.000100`],
          updatedAt: x.updatedAt + 1,
        })),
      ),
    );
    expect((await a.get(r.id))!.followUps).toHaveLength(12);
    expect(await a.update('C0NONE-1.1', (x) => x)).toBeUndefined();
    expect((await a.update(r.id, (x) => x))!.changed).toBe(false);
  });

  it('keeps the open sets and the assignee’s list (soonest due first) in step with the record', async () => {
    const { a, keys } = stores();
    const early = make();
    const late = make({ at: NOW + H });
    for (const r of [late, early]) {
      await a.open(r, P, { group: false });
      await a.update(r.id, (x) => assign(x, { assignee: 'U0ME', via: 'button', at: NOW }));
    }
    expect((await a.openForAssignee('U0ME')).map((r) => r.id)).toEqual([early.id, late.id]);
    // Answering moves the next due time to the resolution target: the other one is now sooner.
    await a.update(early.id, (x) => respond(x, { by: 'U0ME', at: NOW + 60_000 }, P));
    expect((await a.openForAssignee('U0ME')).map((r) => r.id)).toEqual([late.id, early.id]);
    await a.update(early.id, (x) => assign(x, { assignee: 'U0YOU', via: 'reaction', at: NOW }));
    expect((await a.openForAssignee('U0ME')).map((r) => r.id)).toEqual([late.id]);
    await a.update(late.id, (x) => resolve(x, { by: 'U0ME', at: NOW + 2 * H }, P));
    expect(await a.openForAssignee('U0ME')).toEqual([]);
    expect(await a.openCount()).toBe(1);
    expect(await redis.zscore(keys.openInChannel('C0ACME'), late.id)).toBeNull();
    expect(await redis.zcard(keys.timers)).toBe(2); // the early one's resolution warning and breach
    await a.update(late.id, (x) => reopen(x, NOW + 3 * H, P));
    expect(await a.openCount()).toBe(2);
  });

  it('finds requests by the period they opened in, and a resolved one is kept for CLOSED_RETENTION_DAYS', async () => {
    const { a, keys } = stores();
    const inside = make({ at: NOW - 2 * H });
    const before = make({ at: NOW - 30 * H });
    for (const r of [inside, before]) await a.open(r, P, { group: false });
    expect((await a.openedBetween(NOW - 24 * H, NOW)).map((r) => r.id)).toEqual([inside.id]);
    const ttlOpen = await redis.pttl(keys.record(inside.id));
    expect(ttlOpen / 86_400_000).toBeGreaterThan(364);
    await a.update(inside.id, (x) => resolve(x, { by: 'U0CSM', at: NOW }, P));
    const ttlClosed = await redis.pttl(keys.record(inside.id));
    expect(Math.round(ttlClosed / 86_400_000)).toBe(120);
    // A record gone (expired) drops out of the indexes when they are read.
    await redis.del(keys.record(before.id));
    expect(await a.openRequests()).toEqual([]);
    expect(await redis.zscore(keys.open, before.id)).toBeNull();
  });
});

describe('RequestStore: timers', () => {
  it('holds each warning and breach once, moved (not duplicated) by a new priority, and none once met', async () => {
    const { a, keys } = stores();
    const r = make();
    await a.open(r, P);
    const members = async (): Promise<Record<string, number>> => {
      const flat = await redis.zrange(keys.timers, '0', '-1', 'WITHSCORES');
      return Object.fromEntries(flat.flatMap((m, i) => (i % 2 ? [] : [[m, Number(flat[i + 1])]])));
    };
    expect(await members()).toEqual({
      [timerMember({ requestId: r.id, target: 'firstResponse', kind: 'warn' })]: NOW + 3 * H,
      [timerMember({ requestId: r.id, target: 'firstResponse', kind: 'breach' })]: NOW + 4 * H,
      [timerMember({ requestId: r.id, target: 'resolution', kind: 'warn' })]: NOW + 54 * H,
      [timerMember({ requestId: r.id, target: 'resolution', kind: 'breach' })]: NOW + 72 * H,
    });
    await a.update(r.id, (x) => setPriority(x, 'urgent', NOW, P));
    expect(Object.values(await members())).toEqual([NOW + 22.5 * 60_000, NOW + 30 * 60_000, NOW + 3 * H, NOW + 4 * H]);
    await a.update(r.id, (x) => respond(x, { by: 'U0CSM', at: NOW + 60_000 }, P));
    expect(Object.keys(await members())).toHaveLength(2);
    expect(await a.pendingTimers()).toBe(2);
  });

  it('hands due timers over once and clears them, but keeps a timer whose time moved meanwhile', async () => {
    const { a } = stores();
    const r = make();
    await a.open(r, P);
    const handed: string[] = [];
    expect(await a.dispatchDue(NOW + 4 * H, (t) => Promise.resolve(void handed.push(`${t.target}.${t.kind}`)))).toBe(2);
    expect(handed).toEqual(['firstResponse.warn', 'firstResponse.breach']);
    expect(await a.dispatchDue(NOW + 4 * H, () => Promise.reject(new Error('nothing is due')))).toBe(0);

    const s = make();
    await a.open(s, P, { group: false });
    // The priority changes while the warning is being handed over: the moved warning stays in the set.
    await a.dispatchDue(NOW + 3 * H, async (t) => {
      if (t.requestId === s.id) await a.update(s.id, (x) => setPriority(x, 'low', NOW, P));
    });
    // Low: the first response is due in 1d (24h), its warning at 18h, and the set holds the warning there.
    expect((await a.dueTimers(NOW + 20 * H)).filter((t) => t.requestId === s.id)).toEqual([
      { requestId: s.id, target: 'firstResponse', kind: 'warn', at: NOW + 18 * H },
    ]);
  });

  it('fires a warning once however many jobs try, lets the firing job retry its own post, and notes it on the record', async () => {
    const { a, b } = stores();
    const r = make();
    await a.open(r, P);
    const [warn] = await a.dueTimers(NOW + 3 * H);
    let fired = 0;
    const outcomes = await Promise.all(
      ['job-1', 'job-2', 'job-3', 'job-4'].map((token, i) =>
        (i % 2 ? a : b).fireOnce(warn!, token, () => Promise.resolve(void fired++), NOW + 3 * H),
      ),
    );
    expect(fired).toBe(1);
    expect(outcomes.filter((o) => o === 'fired')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'taken' || o === 'stale')).toHaveLength(3);
    expect((await a.get(r.id))!.warned).toEqual(['firstResponse']);

    // The breach: the first job's post fails; another job is refused, the first job's retry posts.
    const [breach] = (await a.dueTimers(NOW + 4 * H)).filter((t) => t.kind === 'breach');
    const agains: boolean[] = [];
    await expect(
      a.fireOnce(
        breach!,
        'job-5',
        (_r, o) => (agains.push(o.again), Promise.reject(new Error('slack down'))),
        NOW + 4 * H,
      ),
    ).rejects.toThrow('slack down');
    expect(await b.fireOnce(breach!, 'job-6', () => Promise.resolve(void fired++), NOW + 4 * H)).toBe('taken');
    expect(
      await a.fireOnce(breach!, 'job-5', (_r, o) => (agains.push(o.again), Promise.resolve(void fired++)), NOW + 4 * H),
    ).toBe('fired');
    expect(fired).toBe(2);
    // The retry is told it may have posted before, so it can look before posting again.
    expect(agains).toEqual([false, true]);
    expect((await a.get(r.id))!.breached).toEqual(['firstResponse']);
    expect(await a.fireOnce(breach!, 'job-5', () => Promise.resolve(void fired++), NOW + 4 * H)).toBe('stale');
  });

  it('puts a timer dispatched too early back, and calls a moved one stale', async () => {
    const { a } = stores();
    const r = make();
    await a.open(r, P);
    const [warn] = await a.dueTimers(NOW + 3 * H);
    await a.dispatchDue(NOW + 3 * H, () => Promise.resolve());
    expect(await a.fireOnce(warn!, 'job-1', () => Promise.reject(new Error('not yet')), NOW)).toBe('early');
    expect(await a.dueTimers(NOW + 3 * H)).toEqual([warn]);
    await a.update(r.id, (x) => setPriority(x, 'high', NOW, P));
    expect(await a.fireOnce(warn!, 'job-1', () => Promise.reject(new Error('moved')), NOW + 3 * H)).toBe('stale');
  });
});
