import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisSemaphore } from '../../src/stores/semaphore.js';
import type { RecordedRequest } from '../fakes/anthropic-server.js';
import {
  answersIn,
  queueIdle,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  until,
  type Harness,
} from '../helpers/harness.js';

/**
 * Answers go first in the model gate: with one model slot and escalation on, a mention that arrives while
 * assessments queue for the slot is answered before them, and the assessments (and the escalation one of
 * them asks for) still follow.
 */
let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ASSESSMENT = {
  outOfScope: false,
  strategic: false,
  area: 'none',
  confidence: 0.9,
  rationale: 'Routine.',
  customerWants: 'Advice.',
  decisionNeeded: '',
  risk: 'Low.',
};
const NEGOTIATION = {
  ...ASSESSMENT,
  strategic: true,
  area: 'Complex customer negotiations',
  confidence: 0.92,
  decisionNeeded: 'Whether to discount.',
};

const isAssessment = (r: RecordedRequest) => Boolean(r.body.output_config);
const about = (r: RecordedRequest, q: string) => JSON.stringify(r.body.messages).includes(`question ${q}:`);

async function slotWaits(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();
  return Object.fromEntries(
    [...text.matchAll(/^luna_model_slot_wait_seconds_count\{class="(\w+)"\} (\d+)$/gm)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

describe('answers first in the model gate', () => {
  it('answers a mention before the assessments already waiting for the one model slot, and still escalates', async () => {
    h = await startHarness({
      config: testConfig({
        escalation: TEST_ESCALATION,
        model: { maxConcurrentCalls: 1, streamIdleTimeoutSeconds: 5 },
        queue: { concurrency: 8 },
      }),
    });
    h.slack.addChannel({ id: 'C0ESC', name: 'cs-escalations' });
    h.anthropic.latencyMs = 150;
    h.anthropic.defaultReply = {
      handler: (body: RecordedRequest['body']) =>
        body.output_config
          ? { text: JSON.stringify(JSON.stringify(body.messages).includes('question A1:') ? NEGOTIATION : ASSESSMENT) }
          : { text: 'Here is what I would do.' },
    };

    // Four mentions at once: their answers take the slot one after another, then their four assessments queue.
    const first = await Promise.all(
      ['A1', 'A2', 'A3', 'A4'].map((q, i) =>
        h.mention({ user: `U0TEAM0${i}`, text: `<@U0LUNA> question ${q}: renewal terms?` }),
      ),
    );
    await until(() => h.anthropic.requests.some(isAssessment), 'the first assessment sent', 10_000);
    const late = await h.mention({ user: 'U0TEAM09', text: '<@U0LUNA> question B: how do we run a QBR?' });
    await until(() => answersIn(h.slack, 'C0SUPPORT', late.ts).length === 1, 'the late mention answered', 15_000);
    await queueIdle(h);

    const reqs = h.anthropic.requests;
    expect(reqs).toHaveLength(10);
    expect(reqs.filter(isAssessment)).toHaveLength(5);
    // One answer per thread (the escalated one also carries the note that its owners were looped in).
    const firstParts = (ts: string) =>
      answersIn(h.slack, 'C0SUPPORT', ts).filter((m) => (m.metadata?.event_payload as { part?: unknown })?.part === 0);
    for (const m of first) expect(firstParts(m.ts)).toHaveLength(1);
    // Every A answer came before any assessment, and the late answer right after the assessment that held the slot when
    // it arrived (or the next, on a slow machine): in arrival order it would have come after all four.
    const kinds = reqs.map((r) => (isAssessment(r) ? 'assess' : 'answer'));
    expect(kinds.slice(0, 4)).toEqual(['answer', 'answer', 'answer', 'answer']);
    const lateAnswer = reqs.findIndex((r) => !isAssessment(r) && about(r, 'B'));
    expect(reqs.slice(lateAnswer + 1).filter(isAssessment).length).toBeGreaterThanOrEqual(2);
    // Each call, answer or assessment, was counted in its class.
    expect(await slotWaits()).toEqual({ answer: 5, background: 5 });
    // The strategic one still reached its owners.
    const posts = h.slack.botMessages('C0ESC').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0])).toContain('U0456EFGH');
  });
});

describe('RedisSemaphore classes across processes', () => {
  const key = () => `luna-test-${randomUUID().slice(0, 8)}:state:model-slots`;

  it('hands a freed slot to a `first` waiter of another process before a `later` one that waited longer', async () => {
    const k = key();
    const [ra, rb] = [new Redis(process.env.REDIS_URL!), new Redis(process.env.REDIS_URL!)];
    const a = new RedisSemaphore(ra, k, { limit: 1, pollMs: 10 });
    const b = new RedisSemaphore(rb, k, { limit: 1, pollMs: 10 });
    const order: string[] = [];
    try {
      const held = await a.acquire(undefined, 'first');
      const later = a.acquire(undefined, 'later').then((r) => (order.push('later'), r));
      await new Promise((r) => setTimeout(r, 50));
      const first = b.acquire(undefined, 'first').then((r) => (order.push('first'), r));
      await new Promise((r) => setTimeout(r, 50));
      held();
      (await first)();
      (await later)();
      expect(order).toEqual(['first', 'later']);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await ra.del(k, `${k}:first-waiting`);
      ra.disconnect();
      rb.disconnect();
    }
  });

  it('keeps the reserve free for `first` calls: a `later` one takes a slot only while fewer than limit − reserve are held', async () => {
    const k = key();
    const redis = new Redis(process.env.REDIS_URL!);
    const s = new RedisSemaphore(redis, k, { limit: 3, reserve: 1, pollMs: 10 });
    try {
      const got: string[] = [];
      const laters = [1, 2, 3].map((i) => s.acquire(undefined, 'later').then((r) => (got.push(`later${i}`), r)));
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(['later1', 'later2']);
      // The reserved slot is there at once for a `first` call.
      const first = await s.acquire(undefined, 'first');
      expect(s.holding).toBe(3);
      (await laters[0]!)();
      await new Promise((r) => setTimeout(r, 100));
      // One `later` and the `first` hold two of three: the third `later` still waits while the first holds its slot.
      expect(got).toEqual(['later1', 'later2']);
      first();
      (await laters[2]!)();
      expect(got).toEqual(['later1', 'later2', 'later3']);
      (await laters[1]!)();
    } finally {
      await s.close();
      await redis.del(k, `${k}:first-waiting`);
      redis.disconnect();
    }
  });
});
