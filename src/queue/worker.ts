import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Workspace } from '../config/workspace.js';
import { answerJob, apologise } from '../jobs/answer.js';
import { escalateJob } from '../jobs/escalate.js';
import { escalationActionJob, escalationTimerJob } from '../jobs/escalation-followup.js';
import type { JobContext } from '../contracts/job-context.js';
import { threadDigestFailed, threadDigestJob } from '../jobs/digest.js';
import { digestDoneFailed, digestDoneJob } from '../jobs/digest-done.js';
import { journeyMapGaveUp, journeyMapJob } from '../jobs/journey-map.js';
import { homeFailed, homeJob } from '../jobs/home.js';
import { scheduledDigestFailed, scheduledDigestJob } from '../jobs/scheduled-digest.js';
import { PAUSABLE_LIMITER, type ModelGate } from '../llm/model-gate.js';
import { retryAfterOf, retryDelayMs } from '../domain/backoff.js';
import { JOB_NAMES, QUEUE_NAME } from '../contracts/jobs.js';
import { classifyFailure } from './retry.js';
import type { ThreadOrder } from './thread-order.js';

type Handler = (job: Job, ctx: JobContext) => Promise<unknown>;
type Apology = (job: Job, ctx: JobContext, err: unknown) => Promise<void>;

const logOnly: Apology = async (job, ctx, err) => {
  ctx.log.error('job gave up after its last attempt', { job: job.id, name: job.name, err });
};

const HANDLERS: Record<string, { run: Handler; onGiveUp: Apology }> = {
  [JOB_NAMES.answer]: { run: answerJob, onGiveUp: apologise },
  // Escalation work is internal: a lasting failure is logged and counted, not posted to a customer thread.
  [JOB_NAMES.escalate]: { run: escalateJob, onGiveUp: logOnly },
  [JOB_NAMES.escalationTimer]: { run: escalationTimerJob, onGiveUp: logOnly },
  [JOB_NAMES.escalationAction]: { run: escalationActionJob, onGiveUp: logOnly },
  [JOB_NAMES.digest]: { run: threadDigestJob, onGiveUp: threadDigestFailed },
  [JOB_NAMES.scheduledDigest]: { run: scheduledDigestJob, onGiveUp: scheduledDigestFailed },
  [JOB_NAMES.digestDone]: { run: digestDoneJob, onGiveUp: digestDoneFailed },
  [JOB_NAMES.journeyMap]: { run: journeyMapJob, onGiveUp: journeyMapGaveUp },
  [JOB_NAMES.home]: { run: homeJob, onGiveUp: homeFailed },
};

export const BACKOFF_TYPE = 'luna';

/**
 * Runs queued jobs. A failed attempt is retried with exponential backoff and jitter (never sooner than a
 * server's Retry-After); after the last attempt, or a failure no retry can fix, the user gets a short
 * visible message from the handler's `onGiveUp`, never silence.
 */
export function startWorker(
  connection: Redis,
  prefix: string,
  queue: Workspace['queue'],
  ctx: JobContext,
  scale?: { order: ThreadOrder; gate: ModelGate },
): Worker {
  const worker = new Worker(
    QUEUE_NAME,
    async (job, token) => {
      const handler = HANDLERS[job.name];
      if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
      // An earlier mention of this thread is still pending: wait for it, without spending an attempt.
      if (scale && token && (await scale.order.deferIfBehind(job, token))) throw new DelayedError();
      const started = performance.now();
      try {
        const result = await handler.run(job, ctx);
        ctx.metrics.jobDuration.observe({ job: job.name, outcome: 'ok' }, (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        ctx.metrics.jobDuration.observe({ job: job.name, outcome: 'error' }, (performance.now() - started) / 1000);
        // A 429 pauses every worker (BullMQ's rate limiter) and puts the job back without spending an attempt.
        if (scale && (await scale.gate.deferOnRateLimit(job, err).catch(() => false))) throw Worker.RateLimitError();
        const { retriable, retryAfterMs } = classifyFailure(err);
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        ctx.log.warn('job attempt failed', { job: job.id, name: job.name, attempt: job.attemptsMade + 1, retriable, err });
        if (!retriable || last) {
          await handler.onGiveUp(job, ctx, err).catch((e) => ctx.log.error('could not tell the user', { job: job.id, err: e }));
          if (!retriable) throw new UnrecoverableError((err as Error)?.message ?? String(err));
        }
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { retryAfterMs });
      }
    },
    {
      connection,
      prefix,
      concurrency: queue.concurrency,
      lockDuration: queue.lockSeconds * 1000,
      stalledInterval: queue.lockSeconds * 1000,
      // A job whose worker died twice is still worth a third try; after that it is failed, not looped.
      maxStalledCount: 2,
      limiter: PAUSABLE_LIMITER,
      settings: {
        backoffStrategy: (attemptsMade, _type, err) => retryDelayMs(attemptsMade, queue.backoffSeconds * 1000, retryAfterOf(err)),
      },
    },
  );
  worker.on('error', (err) => ctx.log.error('worker error', { err }));
  return worker;
}
