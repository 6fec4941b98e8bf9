import type { AnswerPayload } from '../../contracts/jobs.js';
import type { AnswerReaders } from './readers.js';
import { showDraftOnCard } from '../../steps/requests.js';
import type { JobContext } from '../../contracts/job-context.js';
import { channelOwners } from '../../domain/escalation.js';
import { draftNotice, ownersAlert } from '../../render/draft-blocks.js';
import { dmChannel } from '../../slack-api/dm.js';
import { threadLink } from '../../slack-api/permalinks.js';
import type { FactHit } from '../../domain/customer-text.js';

// The answer where only the team reads it: a draft in each reviewer's DM (Post in thread / Discard), or a short
// private note to whoever would have reviewed it.

/** Who reviews a draft: the internal member who asked, or (a customer asked) the channel's owners. */
async function reviewersOf(ctx: JobContext, p: AnswerPayload, readers: AnswerReaders): Promise<string[]> {
  if (readers.delivery === 'draft') return [p.userId];
  return [...(await ctx.directory.expand(channelOwners(ctx.settings.workspace, p.channel)))];
}

/**
 * The answer as a private draft, to each reviewer by DM with Post in thread / Discard. The draft is kept
 * in Redis first (a retry reuses it), and each DM is recorded, so a retried job does not send it twice.
 */
export async function deliverPrivately(
  ctx: JobContext,
  p: AnswerPayload,
  jobId: string,
  parts: string[],
  readers: AnswerReaders,
  flagged: FactHit[] = [],
  heldBack?: 'withheld' | 'unsourced',
): Promise<void> {
  const reviewers = await reviewersOf(ctx, p, readers);
  if (reviewers.length === 0) {
    ctx.log.warn(
      'a customer asked in a channel with no owners and no escalation.fallback; the draft has nobody to go to',
      { channel: p.channel },
    );
    return;
  }
  const draft = await ctx.stores.drafts.create({
    id: jobId,
    channel: p.channel,
    threadTs: p.threadTs,
    askedTs: p.messageTs,
    askedBy: p.userId,
    readers: readers.customer?.customerNames ?? 'the customer',
    parts,
    reviewers,
    reason: heldBack ?? (readers.delivery === 'draft' ? 'asked' : 'customer_asked'),
    flagged,
  });
  const notice = draftNotice({
    ...draft,
    draftId: draft.id,
    threadLink: await threadLink(ctx.slack, p.channel, p.messageTs),
  });
  const notices = [...draft.notices];
  for (const user of draft.reviewers) {
    if (notices.some((n) => n.user === user)) continue;
    const channel = await dmChannel(ctx.slack, user);
    const res = await ctx.slack.chat.postMessage({ channel, ...notice, unfurl_links: false, unfurl_media: false });
    await ctx.stores.drafts.addNotice(draft.id, { user, channel, ts: res.ts! });
    notices.push({ user, channel, ts: res.ts! });
  }
  // In a customer request's thread, its triage card links the draft.
  await showDraftOnCard(ctx, p, notices);
  ctx.metrics.answers.inc({ outcome: heldBack ? 'withheld' : 'drafted' });
}

/** `externalMentions: ignore`: nothing public; the channel's owners learn privately that a customer asked. */
export async function tellOwners(
  ctx: JobContext,
  p: AnswerPayload,
  readers: AnswerReaders,
  asked: string,
): Promise<void> {
  const text = ownersAlert({
    threadLink: await threadLink(ctx.slack, p.channel, p.messageTs),
    askedBy: p.userId,
    readers: readers.customer?.customerNames ?? 'a customer',
    excerpt: asked,
  });
  await tellPrivately(ctx, p, readers, text);
}

/** A short private note to whoever would have reviewed the answer (a failure, an alert). */
export async function tellPrivately(
  ctx: JobContext,
  p: AnswerPayload,
  readers: AnswerReaders,
  text: string,
): Promise<void> {
  for (const user of await reviewersOf(ctx, p, readers)) {
    await ctx.slack.chat.postMessage({ channel: await dmChannel(ctx.slack, user), text, unfurl_links: false });
  }
}
