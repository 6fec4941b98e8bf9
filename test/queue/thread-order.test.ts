import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { answerJobId, JOB_NAMES } from '../../src/contracts/jobs.js';
import { ThreadOrderStore } from '../../src/stores/thread-order.js';
import { ThreadOrder } from '../../src/queue/thread-order.js';
import { answersIn, startHarness, testConfig, until, type Harness } from '../helpers/harness.js';

/** Mentions in one thread are answered in the order they were sent; separate threads do not wait for each other. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ config: testConfig({ model: { streamIdleTimeoutSeconds: 3 } }) });
});
afterEach(async () => {
  await h.stop();
});

const C = 'C0SUPPORT';
const jobOf = (m: { metadata?: { event_payload?: unknown } }) =>
  (m.metadata?.event_payload as { job_id?: string }).job_id;

function rootMessage(text = 'Acme renewal is at risk') {
  if (!h.slack.hasChannel(C)) h.slack.addChannel({ id: C, name: 'support' });
  return h.slack.addMessage(C, { user: 'U0ALICE', text });
}

describe('order within a thread', () => {
  it('answers two mentions in one thread in the order sent, even when the first model call is slower', async () => {
    const root = rootMessage();
    // The first answer streams slowly (~0.8 s); the second would be instant.
    h.anthropic.enqueue({ text: 'First: call the sponsor.', chunkChars: 2, chunkDelayMs: 60 });
    const first = await h.mention({ threadTs: root, text: '<@U0LUNA> what first?' });
    await until(() => h.anthropic.requests.length === 1, 'first model call', 10_000);
    const second = await h.mention({ threadTs: root, text: '<@U0LUNA> and then?' });
    // Both answers finished: a streamed answer carries its marker once its stream is done and replaced.
    await until(() => answersIn(h.slack, C, root).filter((m) => m.metadata).length === 2, 'both answers', 10_000);

    const ids = [answerJobId({ channel: C, messageTs: first.ts }), answerJobId({ channel: C, messageTs: second.ts })];
    expect(answersIn(h.slack, C, root).map(jobOf)).toEqual(ids);
    // The second job did not even ask the model before the first answer was in the thread (posted, or its stream finished).
    const finished = (c: (typeof h.slack.calls)[number]) =>
      ['chat.postMessage', 'chat.update'].includes(c.method) && c.args.metadata !== undefined;
    const firstPosted = h.slack.calls.find((c) => finished(c) && jobOf(c.args as never) === ids[0])!.at;
    expect(h.anthropic.requests[1]!.at).toBeGreaterThanOrEqual(firstPosted);
    // Waiting its turn is not a failed attempt: the job completed on its first and only attempt.
    await until(async () => (await h.luna.queue.getJobState(ids[1]!)) === 'completed', 'second job completed', 10_000);
    expect((await h.luna.queue.getJob(ids[1]!))!.stacktrace).toEqual([]); // a failed attempt would have left its stack trace
  });

  it('runs two threads in parallel: wall time is about one model latency, not two', async () => {
    h.anthropic.latencyMs = 700;
    const [a, b] = [rootMessage('Thread A'), rootMessage('Thread B')];
    const started = Date.now();
    await Promise.all([
      h.mention({ threadTs: a, text: '<@U0LUNA> A?' }),
      h.mention({ threadTs: b, text: '<@U0LUNA> B?' }),
    ]);
    await until(
      () => answersIn(h.slack, C, a).length === 1 && answersIn(h.slack, C, b).length === 1,
      'both threads answered',
      10_000,
    );
    const wall = Date.now() - started;
    const [r1, r2] = h.anthropic.requests;
    expect(Math.abs(r1!.at - r2!.at)).toBeLessThan(300);
    expect(wall).toBeLessThan(1_300);
  });

  it('a finally failed or removed earlier mention never blocks the thread', async () => {
    const root = rootMessage();
    // An earlier mention whose job is gone (removed by an operator, or expired): registered, no job.
    const redis = new Redis(process.env.REDIS_URL!);
    const order = new ThreadOrder({
      store: new ThreadOrderStore(redis, h.prefix),
      queue: h.luna.queue,
      log: createLogger('error'),
    });
    const ghostTs = h.slack.addMessage(C, { user: 'U0BOB', text: '<@U0LUNA> lost one', thread_ts: root });
    await order.register(JOB_NAMES.answer, answerJobId({ channel: C, messageTs: ghostTs }), {
      channel: C,
      threadTs: root,
      messageTs: ghostTs,
    });
    redis.disconnect();
    // An earlier mention that fails for good (a request the API will never accept): an apology, then the next one runs.
    h.anthropic.enqueue({ status: 400, message: 'prompt is too long' });
    const failed = await h.mention({ threadTs: root, text: '<@U0LUNA> this one fails' });
    await until(
      async () => (await h.luna.queue.getJobState(answerJobId({ channel: C, messageTs: failed.ts }))) === 'failed',
      'final failure',
      10_000,
    );
    const started = Date.now();
    await h.mention({ threadTs: root, text: '<@U0LUNA> still there?' });
    await until(() => answersIn(h.slack, C, root).length === 1, 'the later mention is answered', 10_000);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
