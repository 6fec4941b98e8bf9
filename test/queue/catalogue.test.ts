import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { createEnqueue } from '../../src/queue/producer.js';
import { ThreadOrder } from '../../src/queue/thread-order.js';
import { ThreadOrderStore } from '../../src/stores/thread-order.js';
import {
  JOB_NAMES,
  JOBS,
  QUEUE_NAME,
  jobId,
  type EnqueuedJobName,
  type JobName,
  type JobPayload,
} from '../../src/contracts/jobs.js';
import { until, SIGNING_SECRET, startHarness, type Harness } from '../helpers/harness.js';
import { buttonClickForm, signedRequest } from '../helpers/slack-sign.js';
import { requestTimerJobId } from '../../src/queue/request-timers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('the job catalogue', () => {
  it('fails a job whose payload does not fit its schema at once, without retries', async () => {
    h = await startHarness();
    // A job written by an older or broken producer straight into Redis: the worker must not retry it.
    await h.luna.queue.add('answer', { channel: 'C0SUPPORT', messageTs: 'not-a-ts' }, { jobId: 'answer-bad-payload' });
    await until(async () => (await h!.luna.queue.getJobState('answer-bad-payload')) === 'failed', 'the job failed');
    const job = (await h.luna.queue.getJob('answer-bad-payload'))!;
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/luna_job_payload_invalid/);
    expect(h.anthropic.requests).toHaveLength(0);
  });

  it('refuses to queue a payload of the wrong shape at the producer', async () => {
    const prefix = `luna-test-${randomUUID().slice(0, 8)}`;
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
    try {
      const order = new ThreadOrder({ store: new ThreadOrderStore(redis, prefix), queue, log: createLogger('error') });
      const enqueue = createEnqueue(queue, order, { redis, where: 'test' });
      await expect(enqueue('home', { userId: '', reason: 'opened' })).rejects.toMatchObject({
        code: 'luna_job_payload_invalid',
      });
      await enqueue('home', { userId: 'U0ALICE', reason: 'opened' });
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });

  it('builds every job’s id from the fields that make it one job', () => {
    // Every field of this payload reads "<field>:v", so each id shows what it is built from. The builders are called
    // directly: jobId() parses the payload first and refuses such values (see the next tests); ":" becomes "_" as it does.
    const fields = (given: Record<string, unknown> = {}) =>
      new Proxy(given, { get: (t, k) => (typeof k === 'string' && k in t ? t[k] : `${String(k)}:v`) }) as never;
    const enqueued = (Object.keys(JOBS) as JobName[]).filter((n): n is EnqueuedJobName => 'id' in JOBS[n]);
    const now = 12_345_678; // home: 5 s windows, messages-opened: 1 min windows
    const built = <N extends EnqueuedJobName>(n: N, p: never) =>
      (JOBS[n].id as (p: never, now: number) => string)(p, now).replace(/:/g, '_');
    expect(Object.fromEntries(enqueued.map((n) => [n, built(n, fields())]))).toEqual({
      answer: 'answer-channel_v-messageTs_v',
      escalate: 'escalate-requestId_v',
      'escalation-timer': 'escalation-timer-id_v-stage_v',
      'escalation-action': 'escalation-action-id_v-action_v-userId_v-actionTs_v',
      digest: 'digest-channel_v-requestTs_v',
      'digest-done': 'digest-done-digestId_v-action_v-actionTs_v',
      'journey-map': 'journey-map-channel_v-requestId_v',
      'draft-action': 'draft-action_v-draftId_v-userId_v-actionTs_v',
      home: 'home-userId_v-reason_v-2469',
      'signal-message': 'signal-msg-channel_v-ts_v',
      'signal-batch': 'signal-batch-accountId_v-windowId_v',
      'thread-resolved': 'resolved-channel_v-ts_v-userId_v',
      'csat-vote': 'csat-vote-surveyId_v-userId_v-actionTs_v',
      feedback: 'feedback-kind_v-answerId_v-userId_v-actionTs_v',
      'messages-opened': 'messages-opened-userId_v-205',
      'request-message': 'request-msg-channel_v-ts_v',
      'request-reply': 'request-reply-channel_v-ts_v',
      'request-reaction': 'request-reaction-kind_v-channel_v-ts_v-userId_v-eventTs_v',
      'request-action': 'request-action-requestId_v-action_v-userId_v-actionTs_v',
      'request-edit': 'request-edit-channel_v-ts_v-eventTs_v',
      'request-delete': 'request-delete-channel_v-ts_v',
      'request-detect': 'request-detect-windowId_v',
      'request-timer': 'request-timer-requestId_v-target_v-kind_v-at_v',
    });
    // The other shapes: an escalation without a request id, a journey map asked for by command.
    expect(built('escalate', fields({ requestId: undefined }))).toBe(
      'escalate-channel_v-threadTs_v-area-v-requestedAt_v',
    );
    expect(built('journey-map', fields({ source: 'command' }))).toBe('journey-map-cmd-requestId_v');
    // A real click whose values carry ":".
    const done: JobPayload<'digest-done'> = {
      digestId: 'repeat:digest-C1-C2:1700',
      action: 0,
      userId: 'U0ALICE',
      channel: 'C0FEEDBACK',
      messageTs: '1700000000.000100',
      actionTs: '1700000001.000200',
    };
    expect(jobId('digest-done', done)).toBe('digest-done-repeat_digest-C1-C2_1700-0-1700000001.000200');
  });

  it('gives a request timer’s job the id the timers’ tick uses', () => {
    const t = {
      requestId: 'C0ACME-1700000000.000100',
      target: 'firstResponse',
      kind: 'breach',
      at: 1_700_000_060_000,
    } as const;
    expect(jobId('request-timer', t)).toBe(requestTimerJobId(t));
  });

  it('names every job in JOB_NAMES, for code that names a job without queueing it', () => {
    expect(Object.values(JOB_NAMES).sort()).toEqual(Object.keys(JOBS).sort());
  });

  it('builds ids without ":" even from values that carry one', () => {
    const ids = (Object.keys(JOBS) as Array<keyof typeof JOBS>).filter((n): n is EnqueuedJobName => 'id' in JOBS[n]);
    expect(ids.length).toBeGreaterThan(5);
    const click = {
      userId: 'U0ALICE',
      channel: 'C0FEEDBACK',
      messageTs: '1700000000.000100',
      actionTs: '1700000001.000200',
    };
    const done: JobPayload<'digest-done'> = { digestId: 'repeat:digest-C1-C2:1700', action: 0, ...click };
    expect(jobId('digest-done', done)).not.toContain(':');
    expect(jobId('escalation-action', { id: 'a:b', action: 'taken', at: 1, ...click })).not.toContain(':');
  });

  it('builds ids only from Slack ids and timestamps: a payload carrying anything else is refused, never turned into an id', () => {
    const answer = {
      channel: 'C0SUPPORT',
      messageTs: '1700000000.000100',
      threadTs: '1700000000.000100',
      userId: 'U0ALICE',
      isDirectMessage: false,
      receivedAt: 1,
    };
    expect(jobId('answer', answer)).toBe('answer-C0SUPPORT-1700000000.000100');
    const hostile = [
      { ...answer, channel: 'C0LONE\udfff' }, // a lone surrogate: no Redis round trip keeps it
      { ...answer, userId: '<http://evil.example|click me>' },
      { ...answer, messageTs: '1700000000' },
      { ...answer, channel: `C${'0'.repeat(100_000)}` },
    ];
    for (const p of hostile) expect(() => jobId('answer', p)).toThrow(/luna_job_payload_invalid|refused to queue/);
    const click = {
      id: 'esc-1',
      action: 'taken' as const,
      userId: 'U0CSM1',
      channel: 'C0ESC',
      messageTs: '1700000000.000100',
      at: 1,
    };
    expect(() => jobId('escalation-action', { ...click, actionTs: 'x'.repeat(100_000) })).toThrow(/actionTs/);
  });

  it('answers a forged escalation button (no user, or a value with markup) with 200 and queues nothing', async () => {
    h = await startHarness();
    h.slack.addChannel({ id: 'C0ESC', name: 'cs-escalations' });
    const before = await h.luna.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    const forged = [
      buttonClickForm({
        user: 'U0MALLORY',
        actionId: 'escalation_acknowledge',
        value: '<!channel> x y',
        message: { channel: 'C0ESC', ts: '1700000000.000100' },
      }),
      buttonClickForm({
        user: '',
        actionId: 'escalation_not_strategic',
        value: 'C0SUPPORT-1700000000.000100-complex',
        message: { channel: 'C0ESC', ts: '1700000000.000100' },
      }),
    ];
    for (const body of forged) {
      const r = await signedRequest(h.eventsUrl, body, { signingSecret: SIGNING_SECRET, contentType: 'form' });
      expect(r.status).toBe(200);
    }
    const after = await h.luna.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    expect(after).toEqual(before);
  });

  it('turns a value with ":" into a job BullMQ accepts (not a 500)', async () => {
    h = await startHarness();
    h.slack.addChannel({ id: 'C0ESC', name: 'cs-escalations' });
    const r = await signedRequest(
      h.eventsUrl,
      buttonClickForm({
        user: 'U0456EFGH',
        actionId: 'escalation_acknowledge',
        value: 'C0SUPPORT:1700000000.000100:complex',
        message: { channel: 'C0ESC', ts: '1700000000.000100' },
      }),
      { signingSecret: SIGNING_SECRET, contentType: 'form' },
    );
    expect(r.status).toBe(200);
    await until(async () => (await h!.luna.queue.getJobCounts('completed')).completed === 1, 'the click job ran');
  });
});
