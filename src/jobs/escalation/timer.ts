import { mentionList } from '../../domain/escalation.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { replyToPost, updatePost } from './post.js';

/**
 * Nobody acknowledged in time: first a reminder to the owners, then (after the same wait again) the
 * escalation goes to the fallback people. Both are delayed BullMQ jobs, so they survive restarts.
 */
export async function escalationTimerJob(
  job: LunaJob<'escalation-timer'>,
  ctx: JobContext,
): Promise<{ fired: boolean }> {
  const { id, stage } = job.data;
  const s = ctx.stores.escalations;
  const record = await s.get(id);
  const esc = ctx.settings.workspace.escalation;
  if (!record || record.status !== 'open' || !record.messageTs || !esc) return { fired: false };
  const wait = esc.acknowledgeWithinMinutes;
  if (stage === 'remind') {
    if (!record.remindedAt) {
      await replyToPost(
        ctx,
        record,
        `:bell: Reminder: nobody has acknowledged this escalation after ${wait} minutes. ${mentionList(record.owners)}`,
      );
      await s.set(id, { remindedAt: Date.now() });
      ctx.metrics.escalations.inc({ outcome: 'reminded' });
    }
    await ctx.enqueue('escalation-timer', { id, stage: 'fallback' }, { delayMs: wait * 60_000 });
    return { fired: true };
  }
  if (!record.fallbackAt) {
    const fallback = esc.fallback.length ? esc.fallback : record.owners;
    await replyToPost(
      ctx,
      record,
      `:rotating_light: Still unacknowledged after ${2 * wait} minutes; re-escalating to ${mentionList(fallback)}.`,
    );
    record.fallbackAt = Date.now();
    await s.set(id, { fallbackAt: record.fallbackAt });
    await updatePost(ctx, s, record);
    await ctx.stores.stats.incr('escalations_reassigned');
    ctx.metrics.escalations.inc({ outcome: 'reassigned' });
  }
  return { fired: true };
}
