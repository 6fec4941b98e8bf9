import type { Job } from 'bullmq';
import { z } from 'zod';
import { mentionList } from '../domain/escalation.js';
import { EscalationStore, type EscalationRecord } from '../stores/escalations.js';
import { JOB_NAMES } from '../contracts/jobs.js';
import type { JobContext } from '../contracts/job-context.js';
import { EscalationTimer, updatePost } from './escalate.js';

export const EscalationAction = z.object({
  id: z.string(),
  action: z.enum(['acknowledged', 'taken', 'not_strategic']),
  userId: z.string(),
  at: z.number(),
});
export type EscalationAction = z.infer<typeof EscalationAction>;

const store = (ctx: JobContext) => new EscalationStore(ctx.redis, ctx.settings.env.LUNA_REDIS_PREFIX);

/**
 * Nobody acknowledged in time: first a reminder to the owners, then (after the same wait again) the
 * escalation goes to the fallback people. Both are delayed BullMQ jobs, so they survive restarts.
 */
export async function escalationTimerJob(job: Job, ctx: JobContext): Promise<{ fired: boolean }> {
  const { id, stage } = EscalationTimer.parse(job.data);
  const s = store(ctx);
  const record = await s.get(id);
  const esc = ctx.settings.workspace.escalation;
  if (!record || record.status !== 'open' || !record.messageTs || !esc) return { fired: false };
  const wait = esc.acknowledgeWithinMinutes;
  if (stage === 'remind') {
    if (!record.remindedAt) {
      await reply(ctx, record, `:bell: Reminder: nobody has acknowledged this escalation after ${wait} minutes. ${mentionList(record.owners)}`);
      await s.set(id, { remindedAt: Date.now() });
      ctx.metrics.escalations.inc({ outcome: 'reminded' });
    }
    await ctx.enqueue(JOB_NAMES.escalationTimer, { id, stage: 'fallback' }, { jobId: `escalation-timer-${id}-fallback`, delayMs: wait * 60_000 });
    return { fired: true };
  }
  if (!record.fallbackAt) {
    const fallback = esc.fallback.length ? esc.fallback : record.owners;
    await reply(ctx, record, `:rotating_light: Still unacknowledged after ${2 * wait} minutes; re-escalating to ${mentionList(fallback)}.`);
    record.fallbackAt = Date.now();
    await s.set(id, { fallbackAt: record.fallbackAt });
    await updatePost(ctx, s, record);
    await ctx.stats.incr('escalations_reassigned');
    ctx.metrics.escalations.inc({ outcome: 'reassigned' });
  }
  return { fired: true };
}

/** A button on the escalation post: record who handled it and when, once, and show it on the post. */
export async function escalationActionJob(job: Job, ctx: JobContext): Promise<{ changed: boolean }> {
  const a = EscalationAction.parse(job.data);
  const s = store(ctx);
  const changed = await s.handle(a.id, a.action, a.userId, a.at);
  const record = await s.get(a.id);
  if (!record?.messageTs) return { changed };
  // Re-render even when unchanged: a retry after a crash between the state change and the update still shows it.
  await updatePost(ctx, s, record);
  if (changed) {
    ctx.metrics.escalations.inc({ outcome: a.action });
    if (a.action === 'not_strategic') await ctx.stats.incr('escalations_not_strategic');
    if (a.action !== 'not_strategic' && record.handledAt === a.at) {
      await ctx.stats.incr('escalations_acknowledged');
      await ctx.stats.observe('minutes_to_acknowledge', (a.at - record.createdAt) / 60_000);
    }
  }
  return { changed };
}

async function reply(ctx: JobContext, record: EscalationRecord, text: string): Promise<void> {
  await ctx.slack.chat.postMessage({ channel: record.escalationChannel, thread_ts: record.messageTs!, text });
}
