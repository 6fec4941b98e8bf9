import type { Queue } from 'bullmq';
import type { RequestTimer } from '../domain/request-sla.js';

/**
 * The clock of the requests' SLA timers. The timers themselves are data: members of one sorted set in Redis
 * (stores/requests.ts), written with each request, so they survive restarts and a new priority moves them instead
 * of leaving an old one to fire. What runs them is one BullMQ Job Scheduler: every `everyMs` it makes one tick
 * job, however many LUNA instances upsert it, and whichever worker takes the tick queues a job per due timer
 * (`RequestStore.dispatchDue`). Each of those jobs fires its timer at most once (`RequestStore.fireOnce`): its id
 * is the timer and its time, so a tick that runs twice queues it once, and a marker in Redis stops any second job.
 *
 * The cost of a tick is a range read of the due end of the set (O(log n + due)), not a scan of open requests.
 */

export const REQUEST_TIMERS_SCHEDULER = 'request-timers';
/** A due warning or breach is queued within a second of its time (plus the queue's own latency). */
export const REQUEST_TIMER_TICK_MS = 1_000;

/**
 * Upserts the tick's Job Scheduler (every instance upserts the same id, so there is one), or removes it when
 * requests are off. Ticks keep no history: each is cheap and the next follows within a second.
 */
export async function syncRequestTimerScheduler(
  queue: Queue,
  o: { enabled: boolean; jobName: string; everyMs?: number },
): Promise<void> {
  if (!o.enabled) {
    await queue.removeJobScheduler(REQUEST_TIMERS_SCHEDULER);
    return;
  }
  await queue.upsertJobScheduler(
    REQUEST_TIMERS_SCHEDULER,
    { every: o.everyMs ?? REQUEST_TIMER_TICK_MS },
    { name: o.jobName, data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 } },
  );
}

/**
 * The job id of the job that fires one timer at one time: the same timer dispatched twice (a tick that ran
 * twice, a worker killed between queueing and clearing) is one job; after a priority change the timer's new
 * time is a new job. BullMQ reserves ':' in custom ids. It is the same id as the catalogue builds for `request-timer` (contracts/jobs.ts).
 */
export function requestTimerJobId(t: RequestTimer): string {
  return `request-timer-${t.requestId}-${t.target}-${t.kind}-${t.at}`.replace(/:/g, '_');
}
