import type { AnswerPayload } from '../../contracts/jobs.js';
import type { AnswerReaders } from './readers.js';
import { deliverPrivately, tellPrivately } from './private.js';
import type { JobContext } from '../../contracts/job-context.js';
import { threadLink } from '../../slack-api/permalinks.js';
import { withheldReason, type FactHit } from '../../domain/customer-text.js';
import { escapeAngles } from '../../domain/text.js';
import { postChecked, type CustomerGuard } from '../../steps/customer-guard.js';
import { mention } from '../../domain/slack-ids.js';

// An answer held back from where a customer reads: it named internal facts, cited no source, or the asker's
// organisation spent its tokens for the day. The customer gets the holding reply; the team gets the rest privately.

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
