import type { AnswerPayload } from '../../contracts/jobs.js';
import type { JobContext } from '../../contracts/job-context.js';
import { channelOwners } from '../../domain/escalation.js';
import { draftNotice, ownersAlert } from '../../render/draft-blocks.js';
import { dmChannel } from '../../slack-api/dm.js';
import { threadLink } from '../../slack-api/permalinks.js';
import { participantsOf, type SlackThreadMessage } from '../../slack-api/thread.js';
import { answerDelivery, customerNames, type AnswerDelivery, type Organisation } from '../../domain/audience.js';
import { withheldReason, type FactHit } from '../../domain/customer-text.js';
import { escapeAngles } from '../../domain/text.js';
import { postChecked, type CustomerGuard } from '../../steps/customer-guard.js';
import type { CustomerReaders } from '../../llm/prompt.js';
import { mention } from '../../domain/slack-ids.js';

/** Who reads the answer and where it goes, decided once per job from the channel's audience and the asker. */
export interface AnswerPlace {
  delivery: AnswerDelivery;
  /** Set in customer channels: whom the answer is written for. */
  customer?: CustomerReaders;
  /** Participants of another organisation → their organisation's name. */
  external: Map<string, string>;
  /** The asker's organisation, when it is another one: its daily token budget pays for the answer. */
  asker?: Organisation | undefined;
}

/** The channel's audience, the asker's organisation, and the external participants of the thread. */
export async function placeOf(ctx: JobContext, p: AnswerPayload, thread: SlackThreadMessage[]): Promise<AnswerPlace> {
  // A DM has no channel to ask about: it is internal unless the event's user_team names another organisation.
  const dmFromElsewhere = p.isDirectMessage && p.userTeam !== undefined && (await ctx.directory.isExternal(p.userId, p.userTeam));
  const audience = p.isDirectMessage
    ? { kind: dmFromElsewhere ? ('customer' as const) : ('internal' as const), customers: [] }
    : await ctx.directory.audience(p.channel);
  if (audience.kind === 'internal') return { delivery: 'thread', external: new Map() };
  const askerExternal = await ctx.directory.isExternal(p.userId, p.userTeam);
  const people = await ctx.directory.people([p.userId, ...participantsOf(thread, ctx.identity.botUserId)]);
  const external = new Map([...people.values()].filter((x) => x.external).map((x) => [x.id, x.organisation?.name ?? 'external']));
  const orgs = audience.customers.length ? audience.customers : [...people.values()].flatMap((x) => (x.organisation ? [x.organisation] : []));
  const delivery = answerDelivery(audience, askerExternal, ctx.settings.workspace.customerChannels);
  // Whose daily token budget the answer spends: the asker's organisation, by Slack's word (the event's user_team first).
  const asker = askerExternal ? (people.get(p.userId)!.organisation ?? { id: p.userTeam ?? 'unknown', name: 'an external organisation' }) : undefined;
  return {
    delivery,
    external,
    asker,
    customer: { customerNames: customerNames({ customers: orgs }), ...(delivery === 'draft' ? { draftFor: p.userId } : {}) },
  };
}

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
  await postChecked(ctx, guard, { channel: p.channel, threadTs: p.threadTs, jobId, part: 'holding', text: HOLDING_REPLY });
}

/** Who reviews a draft: the internal member who asked, or (a customer asked) the channel's owners. */
async function reviewersOf(ctx: JobContext, p: AnswerPayload, place: AnswerPlace): Promise<string[]> {
  if (place.delivery === 'draft') return [p.userId];
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
  place: AnswerPlace,
  flagged: FactHit[] = [],
  withheld = false,
): Promise<void> {
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
    reason: withheld ? 'withheld' : place.delivery === 'draft' ? 'asked' : 'customer_asked',
    flagged,
  });
  const notice = draftNotice({ ...draft, draftId: draft.id, threadLink: await threadLink(ctx.slack, p.channel, p.messageTs) });
  for (const user of draft.reviewers) {
    if (draft.notices.some((n) => n.user === user)) continue;
    const channel = await dmChannel(ctx.slack, user);
    const res = await ctx.slack.chat.postMessage({ channel, ...notice, unfurl_links: false, unfurl_media: false });
    await ctx.stores.drafts.addNotice(draft.id, { user, channel, ts: res.ts! });
  }
  ctx.metrics.answers.inc({ outcome: withheld ? 'withheld' : 'drafted' });
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
  place: AnswerPlace,
  held: FactHit[],
  already: ReadonlyMap<string, string>,
  guard: CustomerGuard | undefined,
): Promise<void> {
  ctx.log.warn('held back an answer from a customer channel', { job: jobId, channel: p.channel, reason: withheldReason(held), facts: held.map((h) => h.fact) });
  await postHoldingReply(ctx, p, jobId, already, guard);
  await deliverPrivately(ctx, p, jobId, parts, { ...place, delivery: 'holding' }, held, true);
  if (await ctx.stores.answers.once(jobId, 'withheld')) ctx.metrics.customerAnswersWithheld.inc({ reason: withheldReason(held) });
}

/**
 * The asker's organisation spent its `limits.organisationDailyTokens` today: no model call. They get the holding
 * reply, and the channel's owners a private note to answer them themselves.
 */
export async function answerOverBudget(
  ctx: JobContext,
  p: AnswerPayload,
  jobId: string,
  place: AnswerPlace,
  already: ReadonlyMap<string, string>,
  guard: CustomerGuard | undefined,
): Promise<void> {
  if (await ctx.stores.answers.once(jobId, 'limited')) ctx.metrics.mentionsLimited.inc({ limit: 'organisation_tokens' });
  await postHoldingReply(ctx, p, jobId, already, guard);
  if (!(await ctx.stores.answers.once(jobId, 'budget-note'))) return;
  const org = escapeAngles(place.asker?.name ?? 'an external organisation');
  const budget = ctx.settings.workspace.limits.organisationDailyTokens.toLocaleString('en-US');
  await tellPrivately(
    ctx,
    p,
    { ...place, delivery: 'holding' },
    `:money_with_wings: ${mention(p.userId)} (${org}) asked LUNA in ${await threadLink(ctx.slack, p.channel, p.messageTs)}, but ${org}'s people have used today's ${budget} model tokens (\`limits.organisationDailyTokens\`). They got the holding reply; please answer them there. LUNA answers ${org} again from midnight UTC.`,
  );
}

/** `externalMentions: ignore`: nothing public; the channel's owners learn privately that a customer asked. */
export async function tellOwners(ctx: JobContext, p: AnswerPayload, place: AnswerPlace, asked: string): Promise<void> {
  const text = ownersAlert({
    threadLink: await threadLink(ctx.slack, p.channel, p.messageTs),
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
