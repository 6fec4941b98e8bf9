import type { AnswerPayload } from '../../contracts/jobs.js';
import type { AnswerReaders } from './readers.js';
import type { JobContext } from '../../contracts/job-context.js';
import { channelOwners } from '../../domain/escalation.js';
import { draftNotice, ownersAlert } from '../../render/draft-blocks.js';
import { dmChannel } from '../../slack-api/dm.js';
import { threadLink } from '../../slack-api/permalinks.js';
import { withheldReason, type FactHit } from '../../domain/customer-text.js';
import { escapeAngles } from '../../domain/text.js';
import { checkForCustomer, postChecked, type CustomerGuard } from '../../steps/customer-guard.js';
import { answerPartBlocks } from '../../render/answer-blocks.js';
import { postPart } from '../../slack-api/post.js';
import { finishStream } from '../../slack-api/stream.js';
import { clearWorking } from '../../slack-api/working.js';
import type { StoredAnswer } from '../../stores/answers.js';
import { mention } from '../../domain/slack-ids.js';

/** What a customer sees when they ask LUNA and the team reviews the answer first: no model text, no names. */
export const HOLDING_REPLY = "Thanks, I've passed this to your account team; someone will reply here.";

/**
 * The one public reply to a customer's question when the team answers it instead of LUNA (`draft` mode, an answer
 * held back, a spent budget); posted once, marked like an answer part, and checked like any text there.
 */
export async function postHoldingReply(
  ctx: JobContext,
  p: AnswerPayload,
  jobId: string,
  already: ReadonlyMap<string, string>,
  guard: CustomerGuard | undefined,
): Promise<void> {
  if (already.has('holding')) return;
  await postChecked(ctx, guard, {
    channel: p.channel,
    threadTs: p.threadTs,
    jobId,
    part: 'holding',
    text: HOLDING_REPLY,
  });
}

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
  for (const user of draft.reviewers) {
    if (draft.notices.some((n) => n.user === user)) continue;
    const channel = await dmChannel(ctx.slack, user);
    const res = await ctx.slack.chat.postMessage({ channel, ...notice, unfurl_links: false, unfurl_media: false });
    await ctx.stores.drafts.addNotice(draft.id, { user, channel, ts: res.ts! });
  }
  ctx.metrics.answers.inc({ outcome: heldBack ? 'withheld' : 'drafted' });
}

/**
 * An answer written for the customer named internal facts or echoed LUNA's instructions: nothing the model wrote
 * is posted. The customer gets the holding reply (once), the channel's owners the answer privately as a draft
 * that says what was held back and why, and `luna_customer_answers_withheld_total` counts it (once per answer).
 */
export async function withholdAnswer(
  ctx: JobContext,
  p: AnswerPayload,
  jobId: string,
  parts: string[],
  readers: AnswerReaders,
  held: FactHit[],
  already: ReadonlyMap<string, string>,
  guard: CustomerGuard | undefined,
): Promise<void> {
  ctx.log.warn('held back an answer from a customer channel', {
    job: jobId,
    channel: p.channel,
    reason: withheldReason(held),
    facts: held.map((h) => h.fact),
  });
  await postHoldingReply(ctx, p, jobId, already, guard);
  await deliverPrivately(ctx, p, jobId, parts, { ...readers, delivery: 'holding' }, held, 'withheld');
  if (await ctx.stores.answers.once(jobId, 'withheld'))
    ctx.metrics.customerAnswersWithheld.inc({ reason: withheldReason(held) });
}

/**
 * An answer for the customer cites nothing of the team's knowledge, and `knowledge.customerAnswersNeedSources` is on:
 * the customer gets the holding reply, the channel's owners the answer as a draft that says it has no source.
 */
export async function withholdUnsourced(
  ctx: JobContext,
  p: AnswerPayload,
  jobId: string,
  parts: string[],
  readers: AnswerReaders,
  already: ReadonlyMap<string, string>,
  guard: CustomerGuard | undefined,
): Promise<void> {
  ctx.log.info('an answer for a customer channel cited no source; it goes to the owners as a draft', {
    job: jobId,
    channel: p.channel,
  });
  await postHoldingReply(ctx, p, jobId, already, guard);
  await deliverPrivately(ctx, p, jobId, parts, { ...readers, delivery: 'holding' }, [], 'unsourced');
  if (await ctx.stores.answers.once(jobId, 'withheld'))
    ctx.metrics.customerAnswersWithheld.inc({ reason: 'no_source' });
}

/**
 * The asker's organisation spent its `limits.organisationDailyTokens` today: no model call. They get the holding
 * reply, and the channel's owners a private note to answer them themselves.
 */
export async function answerOverBudget(
  ctx: JobContext,
  p: AnswerPayload,
  jobId: string,
  readers: AnswerReaders,
  already: ReadonlyMap<string, string>,
  guard: CustomerGuard | undefined,
): Promise<void> {
  if (await ctx.stores.answers.once(jobId, 'limited'))
    ctx.metrics.mentionsLimited.inc({ limit: 'organisation_tokens' });
  await postHoldingReply(ctx, p, jobId, already, guard);
  if (!(await ctx.stores.answers.once(jobId, 'budget-note'))) return;
  const org = escapeAngles(readers.asker?.name ?? 'an external organisation');
  const budget = ctx.settings.workspace.limits.organisationDailyTokens.toLocaleString('en-US');
  await tellPrivately(
    ctx,
    p,
    { ...readers, delivery: 'holding' },
    `:money_with_wings: ${mention(p.userId)} (${org}) asked LUNA in ${await threadLink(ctx.slack, p.channel, p.messageTs)}, but ${org}'s people have used today's ${budget} model tokens (\`limits.organisationDailyTokens\`). They got the holding reply; please answer them there. LUNA answers ${org} again from midnight UTC.`,
  );
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

/**
 * The stored answer where its readers are: in the thread (the first part finishing the message it streamed into;
 * feedback buttons on the last part where only the team reads), withheld when the check found an internal fact, or
 * privately as a draft or to the owners.
 */
export async function deliver(
  ctx: JobContext,
  jobId: string,
  p: AnswerPayload,
  a: {
    readers: AnswerReaders;
    stored: StoredAnswer;
    guard: CustomerGuard | undefined;
    already: Map<string, string>;
    streamed: string | undefined;
  },
): Promise<void> {
  const { readers, stored, guard, already, streamed } = a;
  const parts = stored.parts;
  const held = guard ? (stored.held ?? checkForCustomer(guard, parts.join('\n'))) : [];
  if (readers.delivery !== 'thread') return deliverPrivately(ctx, p, jobId, parts, readers, held);
  if (held.length) {
    await withholdAnswer(ctx, p, jobId, parts, readers, held, already, guard);
    return clearWorking(ctx.slack, p);
  }
  if (stored.unsourced && readers.customer) {
    await withholdUnsourced(ctx, p, jobId, parts, readers, already, guard);
    return clearWorking(ctx.slack, p);
  }
  const teamOnly = !readers.customer;
  const posted = new Map(already);
  const last = parts.length - 1;
  for (const [i, text] of parts.entries()) {
    if (posted.has(String(i))) continue;
    const meta = { of: parts.length, asked_ts: p.messageTs };
    const blocks = i === last && teamOnly ? answerPartBlocks(text, { answerId: jobId }) : undefined;
    if (
      i === 0 &&
      streamed &&
      (await finishStream(ctx.slack, { channel: p.channel, ts: streamed, jobId, part: 0, text, blocks, meta }))
    ) {
      posted.set('0', streamed);
      continue;
    }
    posted.set(
      String(i),
      await postPart(ctx.slack, { channel: p.channel, threadTs: p.threadTs, jobId, part: i, text, blocks, meta }),
    );
  }
  // Where the buttons are: a click counts only on this message (feedback.ts).
  if (teamOnly)
    await ctx.stores.feedback.setTarget(jobId, {
      channel: p.channel,
      ts: posted.get(String(last))!,
      threadTs: p.threadTs,
    });
  await clearWorking(ctx.slack, p);
  if (!already.has('0')) {
    ctx.metrics.answers.inc({ outcome: 'answered' });
    await ctx.stores.stats.incr('answers');
  }
}
