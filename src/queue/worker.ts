import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Workspace } from '../config/workspace.js';
import type { JobContext, JobHandler, LunaJob } from '../contracts/job-context.js';
import { JOBS, QUEUE_NAME, type JobName } from '../contracts/jobs.js';
import { retryDelayMs } from '../domain/backoff.js';
import { LunaError, retryAfterOf } from '../infra/errors.js';
import { HANDLERS } from '../jobs/handlers.js';
import { PAUSABLE_LIMITER, type ModelGate } from '../llm/model-gate.js';
import { cannotSucceed } from '../slack-api/errors.js';
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
  // A killed worker's job is back in the queue within lockSeconds: its lock lapses within two thirds of
  // it, and BullMQ's stalled check (every third) moves it on the first pass after that.
  const lockMs = Math.round((queue.lockSeconds * 1000 * 2) / 3);
  /**
   * Runs of this process by job id. A run whose lock lapsed (a Redis restart, a blocked event loop) can be
   * handed its own job again by BullMQ's stalled check while it is still going: the new run (a new token)
   * takes over the old one instead of starting the work twice. It waits for it and reports its outcome
   * under the new token; the old run's lock checks (`assertHeld`) use the new token from then on.
   */
  const runs = new Map<string, Run>();
  const runJob = async (job: Job, run: Run): Promise<unknown> => {
    const typed = parseJob(job, run, lockMs);
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
    if (scale && run.token && (await scale.order.deferIfBehind(job, run.token))) throw new DelayedError();
    const handler = HANDLERS[typed.name] as JobHandler<JobName>;
    const started = performance.now();
    const attemptStartedAt = Date.now();
    try {
      const result = await handler.run(typed, ctx);
      ctx.metrics.jobDuration.observe({ job: job.name, outcome: 'ok' }, (performance.now() - started) / 1000);
      return result;
    } catch (raw) {
      ctx.metrics.jobDuration.observe({ job: job.name, outcome: 'error' }, (performance.now() - started) / 1000);
      // Another run has the job now: this one stops without a word (BullMQ will not let it finish the job either).
      if (raw instanceof LunaError && raw.code === 'luna_job_superseded') {
        ctx.log.warn(
          'this run lost its job to another run (its lock lapsed); it stops without posting, the other run answers',
          {
            job: job.id,
            name: job.name,
          },
        );
        throw raw;
      }
      // The AI service is unavailable: every worker pauses and the job goes back without spending an attempt,
      // until its deadline; past it, the person waiting hears so now instead of after more tries.
      const deadline = typed.receivedAt + ctx.settings.workspace.model.giveUpAfterMinutes * 60_000;
      const verdict = scale
        ? await scale.gate.onFailure(raw, deadline, attemptStartedAt).catch(() => 'not_an_outage' as const)
        : 'not_an_outage';
      if (verdict === 'deferred') {
        ctx.metrics.modelWaits.inc();
        await handler
          .onWaiting?.(typed, ctx, Date.now() - typed.receivedAt)
          .catch((e: unknown) => ctx.log.warn('could not tell the user LUNA is still on it', { job: job.id, err: e }));
        throw Worker.RateLimitError();
      }
      const err =
        verdict === 'expired' ? finalError(raw, ctx.settings.workspace.model.giveUpAfterMinutes) : asLunaError(raw);
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (cannotSucceed(err)) {
        // About a conversation, thread or message that does not exist, or carrying a value Slack cannot take: it
        // ends now, with one warning. Whoever can still be told is (a command's response_url, a DM); an apology
        // into the missing thread fails like the job did and is part of this line, not an error of its own.
        const told = await handler.onGiveUp(typed, ctx, err).then(
          () => true,
          (e: unknown) => {
            if (!cannotSucceed(e)) ctx.log.error('could not tell the user', { job: job.id, err: e });
            return false;
          },
        );
        ctx.log.warn('job can never succeed; it ends now', {
          job: job.id,
          name: job.name,
          attempt: job.attemptsMade + 1,
          slackError: err.slackError,
          told,
          err,
        });
        throw new UnrecoverableError(err.message);
      }
      ctx.log.warn('job attempt failed', {
        job: job.id,
        name: job.name,
        attempt: job.attemptsMade + 1,
        retriable: err.retriable,
        err,
      });
      if (!err.retriable || last) {
        await handler
          .onGiveUp(typed, ctx, err)
          .catch((e: unknown) => ctx.log.error('could not tell the user', { job: job.id, err: e }));
        if (!err.retriable) throw new UnrecoverableError(err.message);
      }
      throw err;
    }
  };
  const worker = new Worker(
    QUEUE_NAME,
    async (job, token) => {
      const earlier = runs.get(job.id!);
      if (earlier) {
        earlier.token = token;
        ctx.log.warn(
          'a job whose lock lapsed came back to the process still running it; that run goes on under the new lock',
          { job: job.id },
        );
        return earlier.done;
      }
      const run: Run = { token, done: Promise.resolve() };
      run.done = runJob(job, run);
      runs.set(job.id!, run);
      try {
        return await run.done;
      } finally {
        runs.delete(job.id!);
      }
    },
    {
      connection,
      prefix,
      concurrency: queue.concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.round((queue.lockSeconds * 1000) / 3),
      // A job whose worker died twice is still worth a third try; after that it is failed, not looped.
      maxStalledCount: 2,
      limiter: PAUSABLE_LIMITER,
      settings: {
        backoffStrategy: (attemptsMade, _type, err) =>
          retryDelayMs(attemptsMade, queue.backoffSeconds * 1000, retryAfterOf(err)),
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

/** One run of a job in this process: the lock token it works under (replaced when a takeover hands it a new one). */
interface Run {
  token: string | undefined;
  done: Promise<unknown>;
}

/** The job as its handler sees it, or what is wrong with it: a name or payload outside the catalogue can never run. */
function parseJob(job: Job, run: Run, lockMs: number): LunaJob | string {
  const spec = (JOBS as Partial<Record<string, (typeof JOBS)[JobName]>>)[job.name];
  if (!spec) return `no job named "${job.name}" in the catalogue`;
  const parsed = spec.payload.safeParse(job.data);
  if (!parsed.success)
    return parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
  return {
    id: job.id!,
    name: job.name as JobName,
    data: parsed.data,
    attemptsMade: job.attemptsMade,
    attemptsStarted: job.attemptsStarted,
    receivedAt: receivedAtOf(parsed.data, job.timestamp),
    assertHeld: async () => {
      if (run.token && !(await job.extendLock(run.token, lockMs))) {
        throw new LunaError('luna_job_superseded', `job ${job.id} is no longer held by this run (its lock lapsed)`, {
          retriable: false,
        });
      }
    },
  };
}

function receivedAtOf(data: unknown, queuedAt: number): number {
  const at = (data as { receivedAt?: unknown }).receivedAt;
  return typeof at === 'number' ? at : queuedAt;
}

/** The outage outlasted \`model.giveUpAfterMinutes\`: a final failure, so the handler's apology goes out now. */
function finalError(raw: unknown, minutes: number): LunaError {
  const cause = asLunaError(raw);
  return new LunaError(
    cause.code,
    `${cause.message} (still unavailable ${minutes} minutes after the request arrived)`,
    { cause: raw, retriable: false },
  );
}
