import type { JobContext, LunaJob } from '../../contracts/job-context.js';

/**
 * One tick of the request timers' Job Scheduler (queue/request-timers.ts): every warning and breach that came
 * due is handed to a `request-timer` job of its own (its id is the timer and its time, so a tick that runs twice
 * queues it once). The cost is a range read of the due end of one sorted set, however many requests are open.
 */
export async function requestTimersJob(
  _job: LunaJob<'request-timers'>,
  ctx: JobContext,
): Promise<{ dispatched: number }> {
  const dispatched = await ctx.stores.requests.dispatchDue(Date.now(), (t) => ctx.enqueue('request-timer', t));
  return { dispatched };
}
