import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { postPart } from '../slack-api/post.js';
import { postedParts, readThread } from '../slack-api/thread.js';
import { showDecision } from './answer-delivery.js';
import { mention } from '../domain/slack-ids.js';

/**
 * Post in thread / Discard on a draft. Only the draft's reviewers, from the draft's own private message,
 * can decide, and a draft is decided once: a second click, or a retried request, posts nothing more. The
 * job that decided "post" may finish posting after a crash (parts carry metadata, so none is repeated).
 */
export async function draftActionJob(job: LunaJob<'draft-action'>, ctx: JobContext): Promise<{ posted: number }> {
  const a = job.data;
  const tell = (text: string) => ctx.slack.chat.postEphemeral({ channel: a.channel, user: a.userId, text }).then(() => ({ posted: 0 }));
  const draft = await ctx.stores.drafts.get(a.draftId);
  if (!draft) return tell('This draft is too old to post; mention me in the thread again for a fresh one.');
  if (!draft.notices.some((n) => n.channel === a.channel && n.ts === a.messageTs)) {
    ctx.log.warn('ignored a draft click that did not come from the draft’s own message', { draft: a.draftId, channel: a.channel });
    return { posted: 0 };
  }
  const person = await ctx.directory.person(a.userId);
  if (person.external || !draft.reviewers.includes(a.userId)) return tell('Only the people this draft was sent to can post or discard it.');

  const status = a.action === 'post' ? 'posted' : 'discarded';
  if (!(await ctx.stores.drafts.decide(draft.id, status, a.userId, job.id))) {
    const now = await ctx.stores.drafts.get(draft.id);
    const who = now?.decidedBy ? mention(now.decidedBy) : 'Someone';
    return tell(now?.status === 'posted' ? `${who} already posted this draft.` : `${who} already discarded this draft.`);
  }
  let posted = 0;
  if (status === 'posted') {
    const already = postedParts(await readThread(ctx.slack, draft.channel, draft.threadTs), draft.id);
    for (const [i, text] of draft.parts.entries()) {
      if (already.has(String(i))) continue;
      await postPart(ctx.slack, {
        channel: draft.channel,
        threadTs: draft.threadTs,
        jobId: draft.id,
        part: i,
        text,
        meta: { of: draft.parts.length, asked_ts: draft.askedTs },
      });
      posted++;
    }
    if (!already.has('0')) {
      ctx.metrics.answers.inc({ outcome: 'answered' });
      await ctx.stores.stats.incr('answers');
    }
  }
  await showDecision(ctx, draft, status, a.userId);
  return { posted };
}
