import { requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { postBreach, sendWarning } from '../../slack-api/request-alerts.js';
import { syncCard } from '../../slack-api/request-card.js';

const METRIC_TARGET = { firstResponse: 'first_response', resolution: 'resolution' } as const;

/**
 * A warning or breach that came due, fired exactly once across workers and restarts (`RequestStore.fireOnce`):
 * a warning privately to the assignee (else the channel's owners); a breach as a reply under the card naming
 * them, on the card itself, and in the breach metric. A target met or moved meanwhile fires nothing.
 */
export async function requestTimerJob(job: LunaJob<'request-timer'>, ctx: JobContext): Promise<{ outcome: string }> {
  const t = job.data;
  const side = requestSide(ctx);
  const outcome = await ctx.stores.requests.fireOnce({ ...t }, job.id, async (r, { again }) => {
    await job.assertHeld();
    if (t.kind === 'warn') {
      await sendWarning(side, r, t.target, job.id);
      return;
    }
    await postBreach(side, r, t.target, job.id, again);
    if (!again) ctx.metrics.requestBreaches.inc({ target: METRIC_TARGET[t.target] });
  });
  if (outcome === 'fired' && t.kind === 'breach') {
    const now = await ctx.stores.requests.get(t.requestId);
    if (now) await syncCard(side, now);
  }
  return { outcome };
}
