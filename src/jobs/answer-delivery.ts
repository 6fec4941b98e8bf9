import type { AnswerPayload } from '../contracts/jobs.js';
import type { JobContext } from '../contracts/job-context.js';
import { channelOwners } from '../domain/escalation.js';
import { decidedNotice, draftNotice, ownersAlert } from '../render/draft-blocks.js';
import { dmChannel } from '../slack-api/dm.js';
import { postPart } from '../slack-api/post.js';
import type { DraftRecord } from '../stores/drafts.js';
import type { AnswerDelivery } from '../domain/audience.js';
import type { CustomerReaders } from '../llm/prompt.js';
import { mention } from '../domain/slack-ids.js';

/** Who reads the answer and where it goes, decided once per job from the channel's audience and the asker. */
export interface AnswerPlace {
  delivery: AnswerDelivery;
  /** Set in customer channels: whom the answer is written for. */
  customer?: CustomerReaders;
  /** Participants of another organisation → their organisation's name. */
  external: Map<string, string>;
}

/** What a customer sees when they ask LUNA and the team reviews the answer first: no model text, no names. */
export const HOLDING_REPLY = "Thanks, I've passed this to your account team; someone will reply here.";

/** The one public reply to a customer's question in `draft` mode; posted once, marked like an answer part. */
export async function postHoldingReply(ctx: JobContext, p: AnswerPayload, jobId: string, already: ReadonlyMap<string, string>): Promise<void> {
  if (already.has('holding')) return;
  await postPart(ctx.slack, { channel: p.channel, threadTs: p.threadTs, jobId, part: 'holding', text: HOLDING_REPLY });
}

/** Who reviews a draft: the internal member who asked, or (a customer asked) the channel's owners. */
async function reviewersOf(ctx: JobContext, p: AnswerPayload, place: AnswerPlace): Promise<string[]> {
  if (place.delivery === 'draft') return [p.userId];
  return [...(await ctx.directory.expand(channelOwners(ctx.settings.workspace, p.channel)))];
}

async function threadLink(ctx: JobContext, channel: string, ts: string): Promise<string> {
  const { permalink } = await ctx.slack.chat.getPermalink({ channel, message_ts: ts });
  return permalink ? `<${permalink}|this thread>` : mention(channel);
}

/**
 * The answer as a private draft, to each reviewer by DM with Post in thread / Discard. The draft is kept
 * in Redis first (a retry reuses it), and each DM is recorded, so a retried job does not send it twice.
 */
export async function deliverPrivately(ctx: JobContext, p: AnswerPayload, jobId: string, parts: string[], place: AnswerPlace): Promise<void> {
  const reviewers = await reviewersOf(ctx, p, place);
  if (reviewers.length === 0) {
    ctx.log.warn('a customer asked in a channel with no owners and no escalation.fallback; the draft has nobody to go to', { channel: p.channel });
    return;
  }
  const draft = await ctx.stores.drafts.create({
    id: jobId,
    channel: p.channel,
    threadTs: p.threadTs,
    askedTs: p.messageTs,
    askedBy: p.userId,
    readers: place.customer?.customerNames ?? 'the customer',
    parts,
    reviewers,
  });
  const link = await threadLink(ctx, p.channel, p.messageTs);
  const notice = draftNotice({
    draftId: draft.id,
    threadLink: link,
    readers: draft.readers,
    parts: draft.parts,
    reason: place.delivery === 'draft' ? 'asked' : 'customer_asked',
    askedBy: p.userId,
  });
  for (const user of draft.reviewers) {
    if (draft.notices.some((n) => n.user === user)) continue;
    const channel = await dmChannel(ctx.slack, user);
    const res = await ctx.slack.chat.postMessage({ channel, ...notice, unfurl_links: false, unfurl_media: false });
    await ctx.stores.drafts.addNotice(draft.id, { user, channel, ts: res.ts! });
  }
  ctx.metrics.answers.inc({ outcome: 'drafted' });
}

/** `externalMentions: ignore`: nothing public; the channel's owners learn privately that a customer asked. */
export async function tellOwners(ctx: JobContext, p: AnswerPayload, place: AnswerPlace, asked: string): Promise<void> {
  const text = ownersAlert({
    threadLink: await threadLink(ctx, p.channel, p.messageTs),
    askedBy: p.userId,
    readers: place.customer?.customerNames ?? 'a customer',
    excerpt: asked,
  });
  await tellPrivately(ctx, p, place, text);
}

/** A short private note to whoever would have reviewed the answer (a failure, an alert). */
export async function tellPrivately(ctx: JobContext, p: AnswerPayload, place: AnswerPlace, text: string): Promise<void> {
  for (const user of await reviewersOf(ctx, p, place)) {
    await ctx.slack.chat.postMessage({ channel: await dmChannel(ctx.slack, user), text, unfurl_links: false });
  }
}

/** Every reviewer's copy of the draft shows the decision, and loses its buttons. */
export async function showDecision(ctx: JobContext, draft: DraftRecord, status: 'posted' | 'discarded', by: string): Promise<void> {
  const link = await threadLink(ctx, draft.channel, draft.askedTs);
  const view = decidedNotice({ threadLink: link, status, by, readers: draft.readers });
  for (const n of draft.notices) await ctx.slack.chat.update({ channel: n.channel, ts: n.ts, ...view });
}
