import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerJobId, JOB_NAMES, QUEUE_NAME, type AnswerPayload } from '../../src/contracts/jobs.js';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { startChild, waitForOutput } from '../helpers/child.js';
import { answersIn, clearPrefix, testConfig, testEnv, until } from '../helpers/harness.js';

/**
 * A worker process killed with SIGKILL mid-job: after a restart the job completes and the thread
 * holds exactly one answer, whether the kill came while the model was writing or halfway through posting.
 */
const CONFIG = testConfig({
  model: { streamIdleTimeoutSeconds: 5 },
  queue: { lockSeconds: 1.5, shutdownGraceSeconds: 5 },
});

let slack: FakeSlack;
let anthropic: FakeAnthropic;
let prefix: string;
let queue: Queue;
let redis: Redis;
const children: Array<ReturnType<typeof startChild>> = [];

beforeEach(async () => {
  slack = await FakeSlack.start();
  anthropic = await FakeAnthropic.start();
  prefix = `luna-test-${randomUUID().slice(0, 8)}`;
  redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
  queue = new Queue(QUEUE_NAME, {
    connection: redis,
    prefix,
    defaultJobOptions: { attempts: 4, backoff: { type: 'luna' } },
  });
  slack.addChannel({ id: 'C0SUPPORT' });
});

afterEach(async () => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL');
  await queue.close();
  redis.disconnect();
  await clearPrefix(prefix);
  await slack.close();
  await anthropic.close();
});

async function worker() {
  const env = await testEnv({
    slack,
    anthropic,
    prefix,
    config: CONFIG,
    env: { LUNA_ROLE: 'worker', LOG_LEVEL: 'info' },
  });
  const child = startChild(env);
  children.push(child);
  await waitForOutput(child.output, /LUNA started/, 30_000); // tsx compiles on start: slow on a loaded machine
  return child;
}

async function enqueueMention(text: string): Promise<{ ts: string; jobId: string }> {
  const ts = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text });
  const payload: AnswerPayload = {
    channel: 'C0SUPPORT',
    messageTs: ts,
    threadTs: ts,
    userId: 'U0ALICE',
    isDirectMessage: false,
    receivedAt: Date.now(),
  };
  const jobId = answerJobId(payload);
  await queue.add(JOB_NAMES.answer, payload, { jobId });
  return { ts, jobId };
}

describe('SIGKILL mid-job', () => {
  it('killed while the model is answering: the restarted worker answers exactly once', async () => {
    anthropic.latencyMs = 1_000;
    const first = await worker();
    const { ts, jobId } = await enqueueMention('<@U0LUNA> is Acme at risk?');
    await until(() => anthropic.requests.length === 1, 'first model call');
    first.proc.kill('SIGKILL');
    await first.exited;

    anthropic.latencyMs = 0;
    await worker();
    await until(async () => (await queue.getJob(jobId))?.finishedOn !== undefined, 'job finished after restart');
    expect(await (await queue.getJob(jobId))!.isCompleted()).toBe(true);
    expect(answersIn(slack, 'C0SUPPORT', ts)).toHaveLength(1);
  });

  it('killed halfway through posting a long answer: no part is posted twice, none is missing', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `Section ${i}: ${'churn signal analysis '.repeat(60)}`).join(
      '\n\n',
    );
    anthropic.defaultReply = { text: long, chunkChars: 4000 };
    slack.delay('chat.postMessage', 150);
    const first = await worker();
    const { ts, jobId } = await enqueueMention('<@U0LUNA> write the full retention plan');
    await until(() => slack.botMessages('C0SUPPORT', ts).length >= 3, 'three parts posted');
    first.proc.kill('SIGKILL');
    await first.exited;
    const before = slack.botMessages('C0SUPPORT', ts).length;

    slack.delay('chat.postMessage', 0);
    await worker();
    await until(async () => (await queue.getJob(jobId))?.finishedOn !== undefined, 'job finished after restart');
    const parts = answersIn(slack, 'C0SUPPORT', ts);
    const indexes = parts.map((m) => (m.metadata!.event_payload as { part: number }).part);
    const of = (parts[0]!.metadata!.event_payload as { of: number }).of;
    expect(before).toBeLessThan(of);
    expect(indexes).toEqual(Array.from({ length: of }, (_, i) => i));
    expect(anthropic.requests).toHaveLength(1); // the stored answer was posted, not a second, different one
  });
});

describe('SIGKILL mid-stream', () => {
  it('killed while the answer streams: the restarted worker finishes that same message, one complete answer', async () => {
    const plan = `Start of the plan. ${'Re-engage the sponsor with a value review. '.repeat(60)}End of the plan.`;
    anthropic.defaultReply = { text: plan, chunkChars: 40, chunkDelayMs: 40 };
    const first = await worker();
    const { ts, jobId } = await enqueueMention('<@U0LUNA> write the plan');
    await until(() => slack.callsTo('chat.appendStream').length >= 1, 'the answer streaming');
    first.proc.kill('SIGKILL');
    await first.exited;
    const streamTs = String(slack.callsTo('chat.startStream')[0]!.response!.ts);
    expect(slack.isStreaming('C0SUPPORT', streamTs)).toBe(true); // left half-written

    anthropic.defaultReply = { text: plan, chunkChars: 400 };
    await worker();
    await until(async () => (await queue.getJob(jobId))?.finishedOn !== undefined, 'job finished after restart');
    expect(await (await queue.getJob(jobId))!.isCompleted()).toBe(true);
    expect(slack.callsTo('chat.startStream')).toHaveLength(1); // the retry did not start a second stream
    expect(slack.botMessages('C0SUPPORT', ts).map((m) => m.ts)).toEqual([streamTs]);
    const [answer] = answersIn(slack, 'C0SUPPORT', ts);
    expect(answer!.text).toMatch(/^Start of the plan\. .*End of the plan\.$/);
    expect(answer!.metadata).toMatchObject({ event_payload: { job_id: jobId, part: 0 } });
    expect(slack.isStreaming('C0SUPPORT', streamTs)).toBe(false);
  });
});

describe('a killed worker beside a live one', () => {
  it('the live worker adopts the job within lockSeconds (plus scheduling slack), logs it, and answers once', async () => {
    anthropic.latencyMs = 30_000; // the first worker is certainly mid-answer when it dies
    const doomed = await worker();
    const { ts, jobId } = await enqueueMention('<@U0LUNA> what should we do about Acme?');
    await until(() => anthropic.requests.length === 1, 'first model call');
    const survivor = await worker(); // idle, and running before the kill
    anthropic.latencyMs = 0;
    doomed.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await doomed.exited;
    await until(
      async () => (await queue.getJob(jobId))?.finishedOn !== undefined,
      'job finished by the live worker',
      15_000,
    );
    const recoveredAfterMs = (await queue.getJob(jobId))!.finishedOn! - killedAt;
    // lockSeconds is 1.5 here: the lock lapses within 1 s, and the stalled check (every 0.5 s) moves the job.
    expect(recoveredAfterMs).toBeLessThan(1_500 + 1_500);
    expect(survivor.output()).toMatch(/recovered a job whose worker stopped/);
    expect(answersIn(slack, 'C0SUPPORT', ts)).toHaveLength(1);
  });
});

describe('SIGTERM', () => {
  it('stops taking jobs but finishes the active one before exiting', async () => {
    anthropic.latencyMs = 800;
    const w = await worker();
    const { ts } = await enqueueMention('<@U0LUNA> quick question');
    await until(() => anthropic.requests.length === 1, 'model call started');
    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(answersIn(slack, 'C0SUPPORT', ts)).toHaveLength(1);
  });
});
