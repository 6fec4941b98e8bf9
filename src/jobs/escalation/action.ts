import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { rememberEscalationAction } from '../../steps/account-memory.js';
import { escalationRefusal } from '../../render/escalation-blocks.js';
import { updatePost } from './post.js';
import { mayHandleEscalation } from '../../steps/who-may-press.js';
import { refuse } from '../../slack-api/tell-only.js';

/**
 * A button on the escalation post: record who handled it and when, once, and show it on the post. Only a
 * click on the escalation's own post counts, and only by the area's owners or the fallback; anyone else
 * is told so privately and nothing changes (no state, no post update, no stats).
 */
export async function escalationActionJob(
  job: LunaJob<'escalation-action'>,
  ctx: JobContext,
): Promise<{ changed: boolean; refused?: 'elsewhere' | 'not_an_owner' }> {
  const a = job.data;
  const s = ctx.stores.escalations;
  const found = await s.get(a.id);
  if (!found) return { changed: false };
  if (!found.messageTs || a.channel !== found.escalationChannel || a.messageTs !== found.messageTs) {
    // Slack only sends a click from the message that holds the button: this one names another escalation.
    ctx.log.warn('ignored an escalation click that did not come from its post', {
      escalation: a.id,
      user: a.userId,
      clicked: { channel: a.channel, ts: a.messageTs },
      post: { channel: found.escalationChannel, ts: found.messageTs },
    });
    return { changed: false, refused: 'elsewhere' };
  }
  if (!(await mayHandleEscalation(ctx, found.area, a.userId, a.userTeamId))) {
    ctx.log.info('refused an escalation click by someone who does not own it', {
      escalation: a.id,
      user: a.userId,
      action: a.action,
    });
    await refuse(ctx.slack, ctx.log, { channel: a.channel, user: a.userId }, escalationRefusal(found.area, a.action));
    return { changed: false, refused: 'not_an_owner' };
  }
  const changed = await s.handle(a.id, a.action, a.userId, a.at);
  const record = await s.get(a.id);
  if (!record?.messageTs) return { changed };
  // Re-render even when unchanged: a retry after a crash between the state change and the update still shows it.
  await updatePost(ctx, s, record);
  if (changed) {
    // Account memory (steps/account-memory.ts): acknowledged, or closed when not strategic.
    await rememberEscalationAction(ctx, a.id, a.action, a.at);
    ctx.metrics.escalations.inc({ outcome: a.action });
    if (a.action === 'not_strategic') await ctx.stores.stats.incr('escalations_not_strategic');
    if (a.action !== 'not_strategic' && record.handledAt === a.at) {
      await ctx.stores.stats.incr('escalations_acknowledged');
      await ctx.stores.stats.observe('minutes_to_acknowledge', (a.at - record.createdAt) / 60_000);
    }
  }
  return { changed };
}
