import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { factNames } from '../domain/customer-text.js';
import { postPart } from '../slack-api/post.js';
import { participantsOf, postedParts, readThread } from '../slack-api/thread.js';
import type { DraftRecord } from '../stores/drafts.js';
import { showDecision, showFlagged } from '../steps/drafts.js';
import { tellOnly } from '../slack-api/tell-only.js';
import { checkForCustomer, guardIfCustomer } from '../steps/customer-guard.js';
import { mention } from '../domain/slack-ids.js';

/**
 * Post in thread / Discard on a draft. Only the draft's reviewers, from the draft's own private message,
 * can decide, and a draft is decided once: a second click, or a retried request, posts nothing more. The
 * job that decided "post" may finish posting after a crash (parts carry metadata, so none is repeated).
 */
export async function draftActionJob(job: LunaJob<'draft-action'>, ctx: JobContext): Promise<{ posted: number }> {
  const a = job.data;
  const tell = (text: string) =>
    tellOnly(ctx.slack, { channel: a.channel, user: a.userId }, text).then(() => ({ posted: 0 }));
  const draft = await ctx.stores.drafts.get(a.draftId);
  if (!draft) return tell('This draft is too old to post; mention me in the thread again for a fresh one.');
  if (!draft.notices.some((n) => n.channel === a.channel && n.ts === a.messageTs)) {
    ctx.log.warn('ignored a draft click that did not come from the draft’s own message', {
      draft: a.draftId,
      channel: a.channel,
    });
    return { posted: 0 };
  }
  const person = await ctx.directory.person(a.userId);
  if (person.external || !draft.reviewers.includes(a.userId))
    return tell('Only the people this draft was sent to can post or discard it.');

  const status = a.action === 'discard' ? 'discarded' : 'posted';
  const thread = status === 'posted' ? await readThread(ctx.slack, draft.channel, draft.threadTs) : [];
  if (status === 'posted' && draft.status === 'pending') {
    const unconfirmed = await needsConfirmation(
      ctx,
      draft,
      a.action === 'post_confirmed',
      participantsOf(thread, ctx.identity.botUserId),
    );
    if (unconfirmed) return tell(unconfirmed);
  }
  if (!(await ctx.stores.drafts.decide(draft.id, status, a.userId, job.id))) {
    const now = await ctx.stores.drafts.get(draft.id);
    const who = now?.decidedBy ? mention(now.decidedBy) : 'Someone';
    return tell(
      now?.status === 'posted' ? `${who} already posted this draft.` : `${who} already discarded this draft.`,
    );
  }
  let posted = 0;
  if (status === 'posted') {
    const already = postedParts(thread, draft.id);
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

/**
 * A draft is checked again when someone presses Post (the account's facts may have changed since it was written).
 * One that names internal facts is posted only from its confirmed button, whose dialog named exactly these facts;
 * otherwise the reviewers' copies are redrawn with the facts and that button, and the clicker is told why
 * nothing was posted. Returns that note, or undefined when the draft may be posted.
 */
async function needsConfirmation(
  ctx: JobContext,
  draft: DraftRecord,
  confirmed: boolean,
  participants: string[],
): Promise<string | undefined> {
  const guard = await guardIfCustomer(ctx, draft.channel, participants);
  const found = guard ? checkForCustomer(guard, draft.parts.join('\n')) : [];
  const unseen = found.filter((f) => !draft.flagged.some((s) => s.fact === f.fact && s.value === f.value));
  if (unseen.length) {
    const flagged = [...draft.flagged, ...unseen];
    await ctx.stores.drafts.setFlagged(draft.id, flagged);
    await showFlagged(ctx, { ...draft, flagged });
    return `:warning: Nothing was posted: this draft names ${factNames(flagged)}, which ${draft.readers} must not read. Edit it, or press *Post in thread* again and confirm.`;
  }
  if (draft.flagged.length && !confirmed)
    return `:warning: Nothing was posted: this draft names ${factNames(draft.flagged)}. Press *Post in thread* and confirm to post it as it is.`;
  return undefined;
}
