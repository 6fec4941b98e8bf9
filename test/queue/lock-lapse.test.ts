import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { QUEUE_NAME, answerJobId } from '../../src/contracts/jobs.js';
import { answersIn, startHarness, testConfig, until, type Harness } from '../helpers/harness.js';

/**
 * A run whose job lock lapsed while it worked (what a Redis restart or a blocked process does): BullMQ's
 * stalled check hands the job out again while the first run is still going. Only one of them may post.
 * The lapse is made by deleting the lock key, which is what Redis does when a lock outlives its TTL.
 */
let running: Harness[] = [];
let redis: Redis | undefined;
afterEach(async () => {
  redis?.disconnect();
  redis = undefined;
  for (const h of running.reverse()) await h.stop(); // the first harness owns the fakes: stopped last
  running = [];
});

async function lapseLockDuringModelCall(h: Harness, question: string): Promise<{ ts: string; jobId: string }> {
  redis ??= new Redis(process.env.REDIS_URL!);
  h.anthropic.latencyMs = 2_500; // the first run is still waiting for the model when its lock is gone
  const m = await h.mention({ text: question });
  await until(() => h.anthropic.requests.length === 1, 'first model call');
  h.anthropic.latencyMs = 0;
  const jobId = answerJobId({ channel: 'C0SUPPORT', messageTs: m.ts });
  expect(await redis.del(`${h.prefix}:${QUEUE_NAME}:${jobId}:lock`)).toBe(1);
  return { ts: m.ts, jobId };
}

const config = (concurrency: number) => testConfig({ model: { streamIdleTimeoutSeconds: 5 }, queue: { concurrency } });

describe('a job whose lock lapsed mid-answer', () => {
  it('back in the process still running it: that run goes on, answered once, the model asked once', async () => {
    const h = await startHarness({ config: config(4) });
    running.push(h);
    const { ts, jobId } = await lapseLockDuringModelCall(h, '<@U0LUNA> how do we handle the renewal?');
    await until(async () => (await h.luna.queue.getJobState(jobId)) === 'completed', 'job completed', 10_000);
    await new Promise((r) => setTimeout(r, 1_000)); // room for a second answer, if there were one
    expect(h.slack.botMessages('C0SUPPORT', ts)).toHaveLength(1);
    expect(answersIn(h.slack, 'C0SUPPORT', ts)).toHaveLength(1);
    expect(h.anthropic.requests).toHaveLength(1);
  });

  // Generous waits: in the full suite, beside another file's Redis-heavy tests, the stalled check and the second
  // worker's pickup have taken over 10 s once (CI). The assertions are about who posts, not how fast.
  it(
    'taken by another worker: that worker answers, and the run that lost it posts nothing when its model call returns',
    { timeout: 60_000 },
    async () => {
      const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
      // The first worker runs one job at a time, so the lapsed job can only go to the second.
      const first = await startHarness({ config: config(1), prefix });
      const second = await startHarness({
        config: config(4),
        prefix,
        slack: first.slack,
        anthropic: first.anthropic,
        env: { LUNA_ROLE: 'worker' },
      });
      running.push(first, second);
      const { ts, jobId } = await lapseLockDuringModelCall(first, '<@U0LUNA> who owns the Acme renewal?');
      await until(() => first.anthropic.requests.length === 2, 'the second worker asks the model', 25_000);
      await until(async () => (await first.luna.queue.getJobState(jobId)) === 'completed', 'job completed', 15_000);
      await new Promise((r) => setTimeout(r, 3_000)); // the first run's model answer arrives in this time, and must not show
      const messages = first.slack.botMessages('C0SUPPORT', ts);
      expect(messages).toHaveLength(1);
      expect(answersIn(first.slack, 'C0SUPPORT', ts)).toHaveLength(1);
      expect(first.slack.isStreaming('C0SUPPORT', messages[0]!.ts)).toBe(false);
    },
  );
});
