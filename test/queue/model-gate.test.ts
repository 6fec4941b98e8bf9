import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { answerJobId } from '../../src/contracts/jobs.js';
import { RedisSemaphore } from '../../src/stores/semaphore.js';
import { answersIn, startHarness, until, type Harness } from '../helpers/harness.js';

/**
 * Model calls across every worker: a shared cap on calls in flight, and a 429 that pauses all workers.
 * Each test runs two LUNA instances (two BullMQ workers, two Anthropic clients) on one queue.
 */
const config = (concurrency: number, cap?: number) => `
model:
  streamIdleTimeoutSeconds: 3
${cap ? `  maxConcurrentCalls: ${cap}\n` : ''}queue:
  concurrency: ${concurrency}
  attempts: 3
  backoffSeconds: 0.05
  lockSeconds: 2
  shutdownGraceSeconds: 1
`;

let running: Harness[] = [];
afterEach(async () => {
  // The first harness owns the fakes; stop it last.
  for (const h of running.reverse()) await h.stop();
  running = [];
});

async function twoWorkers(cfg: string): Promise<[Harness, Harness]> {
  const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
  const web = await startHarness({ config: cfg, prefix });
  const other = await startHarness({
    config: cfg,
    prefix,
    slack: web.slack,
    anthropic: web.anthropic,
    env: { LUNA_ROLE: 'worker' },
  });
  running.push(web, other);
  return [web, other];
}

describe('model calls across workers', () => {
  it('never has more calls in flight than maxConcurrentCalls, whichever worker makes them', async () => {
    // Three jobs at a time per worker: six mentions need both workers.
    const [h] = await twoWorkers(config(3, 2));
    h.anthropic.latencyMs = 250;
    const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => h.mention({ text: `<@U0LUNA> question ${i}` })));
    await until(() => sent.every((m) => answersIn(h.slack, 'C0SUPPORT', m.ts).length === 1), 'six answers', 10_000);
    expect(h.anthropic.requests).toHaveLength(6);
    expect(h.anthropic.maxInFlight).toBe(2);
  });

  it('a 429 with retry-after 1 s stops model calls on every worker for that second, and costs no attempt', async () => {
    // One job at a time per worker, so the second mention is certainly on the other worker.
    const [h] = await twoWorkers(config(1));
    h.slack.delay('conversations.replies', 300);
    h.anthropic.enqueue({ status: 429, retryAfterSeconds: 1 });
    const first = await h.mention({ text: '<@U0LUNA> first' });
    await new Promise((r) => setTimeout(r, 100));
    const second = await h.mention({ text: '<@U0LUNA> second' });
    await until(
      () => [first, second].every((m) => answersIn(h.slack, 'C0SUPPORT', m.ts).length === 1),
      'both answered',
      10_000,
    );

    const [limited, ...rest] = h.anthropic.requests;
    expect(rest).toHaveLength(2);
    // The other worker's job reached its model call during the pause and waited it out.
    for (const r of rest) expect(r.at - limited!.at).toBeGreaterThanOrEqual(900);
    const id = answerJobId({ channel: 'C0SUPPORT', messageTs: first.ts });
    await until(async () => (await h.luna.queue.getJobState(id)) === 'completed', 'job completed', 10_000);
    expect((await h.luna.queue.getJob(id))!.stacktrace).toEqual([]); // a failed attempt would have left its stack trace
  });
});

describe('a call queued in the gate', () => {
  it('is not taken for a stalled API: waiting for a slot longer than the idle timeout aborts nothing and declares no outage', async () => {
    // One call at a time and a half-second watchdog; each answer streams for ~0.8 s, an event every 0.1 s.
    // The fourth mention waits ~2.4 s for its slot: only silence after the request goes out is a stall.
    const cfg = `${config(4, 1)}`.replace('streamIdleTimeoutSeconds: 3', 'streamIdleTimeoutSeconds: 0.5');
    const h = await startHarness({ config: cfg });
    running.push(h);
    h.anthropic.defaultReply = { text: 'A steady answer, streamed in small pieces.', chunkChars: 6, chunkDelayMs: 100 };
    const sent = await Promise.all(Array.from({ length: 4 }, (_, i) => h.mention({ text: `<@U0LUNA> question ${i}` })));
    await until(() => sent.every((m) => answersIn(h.slack, 'C0SUPPORT', m.ts).length === 1), 'four answers', 15_000);
    expect(h.anthropic.maxInFlight).toBe(1);
    // One request per mention, each streamed to its end: none aborted and sent again.
    expect(h.anthropic.requests).toHaveLength(4);
    expect(h.anthropic.requests.every((r) => r.lastDeltaAt !== undefined)).toBe(true);
    expect(await h.luna.metrics.modelWaits.get()).toMatchObject({ values: [{ value: 0 }] });
  });
});

describe('RedisSemaphore', () => {
  it('frees the slot of a holder that died without releasing it once its lease runs out', async () => {
    const key = `luna-test-${randomUUID().slice(0, 8)}:state:slots`;
    const dying = new Redis(process.env.REDIS_URL!);
    const alive = new Redis(process.env.REDIS_URL!);
    const a = new RedisSemaphore(dying, key, { limit: 1, leaseMs: 400 });
    const b = new RedisSemaphore(alive, key, { limit: 1, leaseMs: 400, pollMs: 20 });
    try {
      await a.acquire();
      dying.disconnect(); // a crash: no release, no more renewals
      const started = Date.now();
      const release = await b.acquire();
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(200);
      expect(waited).toBeLessThan(1_500);
      release();
    } finally {
      await a.close();
      await b.close();
      await alive.del(key);
      alive.disconnect();
    }
  });
});
