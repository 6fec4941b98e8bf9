import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Workspace } from '../config/workspace.js';
import type { JobContext, JobHandler, LunaJob } from '../contracts/job-context.js';
import { JOBS, QUEUE_NAME, type JobName } from '../contracts/jobs.js';
import { retryDelayMs } from '../domain/backoff.js';
import { LunaError, retryAfterOf } from '../infra/errors.js';
import { HANDLERS } from '../jobs/handlers.js';
import { PAUSABLE_LIMITER, type ModelGate } from '../llm/model-gate.js';
import { asLunaError } from './retry.js';
import type { ThreadOrder } from './thread-order.js';

export const BACKOFF_TYPE = 'luna';

/**
 * Runs queued jobs. The payload is parsed against the catalogue first: one that cannot parse fails at
 * once (`luna_job_payload_invalid`, no retries). A failed attempt is retried with exponential backoff
 * and jitter (never sooner than a server's Retry-After); after the last attempt, or a failure no retry
 * can fix, the handler's `onGiveUp` tells the people waiting, never silence.
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
      const typed = parseJob(job);
      if (typeof typed === 'string') {
        ctx.log.error('job payload does not fit its schema; failed without retries', {
          job: job.id,
          name: job.name,
          code: 'luna_job_payload_invalid',
          problem: typed,
        });
        throw new UnrecoverableError(`luna_job_payload_invalid: ${typed}`);
      }
      // An earlier mention of this thread is still pending: wait for it, without spending an attempt.
      if (scale && token && (await scale.order.deferIfBehind(job, token))) throw new DelayedError();
      const handler = HANDLERS[typed.name] as JobHandler<JobName>;
      const started = performance.now();
      try {
        const result = await handler.run(typed, ctx);
        ctx.metrics.jobDuration.observe({ job: job.name, outcome: 'ok' }, (performance.now() - started) / 1000);
        return result;
      } catch (raw) {
        ctx.metrics.jobDuration.observe({ job: job.name, outcome: 'error' }, (performance.now() - started) / 1000);
        // The AI service is unavailable: every worker pauses and the job goes back without spending an attempt,
        // until its deadline; past it, the person waiting hears so now instead of after more tries.
        const deadline = typed.receivedAt + ctx.settings.workspace.model.giveUpAfterMinutes * 60_000;
        const verdict = scale ? await scale.gate.onFailure(raw, deadline).catch(() => 'not_an_outage' as const) : 'not_an_outage';
        if (verdict === 'deferred') {
          ctx.metrics.modelWaits.inc();
          await handler
            .onWaiting?.(typed, ctx, Date.now() - typed.receivedAt)
            .catch((e: unknown) => ctx.log.warn('could not tell the user LUNA is still on it', { job: job.id, err: e }));
          throw Worker.RateLimitError();
        }
        const err = verdict === 'expired' ? finalError(raw, ctx.settings.workspace.model.giveUpAfterMinutes) : asLunaError(raw);
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        ctx.log.warn('job attempt failed', { job: job.id, name: job.name, attempt: job.attemptsMade + 1, retriable: err.retriable, err });
        if (!err.retriable || last) {
          await handler.onGiveUp(typed, ctx, err).catch((e: unknown) => ctx.log.error('could not tell the user', { job: job.id, err: e }));
          if (!err.retriable) throw new UnrecoverableError(err.message);
        }
        throw err;
      }
    },
    {
      connection,
      prefix,
      concurrency: queue.concurrency,
      // A killed worker's job is back in the queue within lockSeconds: its lock lapses within two thirds of
      // it, and BullMQ's stalled check (every third) moves it on the first pass after that.
      lockDuration: Math.round((queue.lockSeconds * 1000 * 2) / 3),
      stalledInterval: Math.round((queue.lockSeconds * 1000) / 3),
      // A job whose worker died twice is still worth a third try; after that it is failed, not looped.
      maxStalledCount: 2,
      limiter: PAUSABLE_LIMITER,
      settings: {
        backoffStrategy: (attemptsMade, _type, err) => retryDelayMs(attemptsMade, queue.backoffSeconds * 1000, retryAfterOf(err)),
      },
    },
  );
  worker.on('error', (err) => ctx.log.error('worker error', { err }));
  worker.on('stalled', (jobId) => {
    ctx.metrics.jobsRecovered.inc();
    ctx.log.warn('recovered a job whose worker stopped (killed or blocked); it runs again', { job: jobId });
  });
  return worker;
}

/** The job as its handler sees it, or what is wrong with it: a name or payload outside the catalogue can never run. */
function parseJob(job: Job): LunaJob | string {
  const spec = (JOBS as Partial<Record<string, (typeof JOBS)[JobName]>>)[job.name];
  if (!spec) return `no job named "${job.name}" in the catalogue`;
  const parsed = spec.payload.safeParse(job.data);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
  return {
    id: job.id!,
    name: job.name as JobName,
    data: parsed.data,
    attemptsMade: job.attemptsMade,
    attemptsStarted: job.attemptsStarted,
    receivedAt: receivedAtOf(parsed.data, job.timestamp),
  };
}

function receivedAtOf(data: unknown, queuedAt: number): number {
  const at = (data as { receivedAt?: unknown }).receivedAt;
  return typeof at === 'number' ? at : queuedAt;
}

/** The outage outlasted \`model.giveUpAfterMinutes\`: a final failure, so the handler's apology goes out now. */
function finalError(raw: unknown, minutes: number): LunaError {
  const cause = asLunaError(raw);
  return new LunaError(cause.code, `${cause.message} (still unavailable ${minutes} minutes after the request arrived)`, { cause: raw, retriable: false });
}
