import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { feedbackReasonMessage, feedbackThanks } from '../render/answer-blocks.js';
import { refuse, tellOnly } from '../slack-api/tell-only.js';

/**
 * A click on an answer's feedback buttons, or on the reason offered after a thumbs-down. Counted once per
 * person per answer (the first vote stands), only on the answer's own message, and only for this workspace's
 * people: someone of another organisation gets a private note and nothing is counted. What is kept is an
 * aggregate (answer, value, reason); see FeedbackStore.
 */
export async function feedbackJob(
  job: LunaJob<'feedback'>,
  ctx: JobContext,
): Promise<{ counted: boolean; why?: string }> {
  const p = job.data;
  const log = ctx.log.child({ job: job.id, answer: p.answerId });
  if (await ctx.directory.isExternal(p.userId, p.userTeamId)) {
    if (p.kind === 'vote')
      await refuse(
        ctx.slack,
        ctx.log,
        { channel: p.channel, user: p.userId },
        "Only this workspace's own team rates LUNA's answers, so your click was not counted.",
      );
    return { counted: false, why: 'external' };
  }

  if (p.kind === 'reason') {
    const outcome = await ctx.stores.feedback.reason(p.answerId, p.userId, p.reason);
    if (outcome !== 'no_thumbs_down' && p.responseUrl) await replaceQuestion(p.responseUrl, feedbackThanks(p.reason));
    return { counted: outcome === 'counted', ...(outcome === 'counted' ? {} : { why: outcome }) };
  }

  // Only the answer's own buttons count: a click from any other message (a forged or replayed payload) changes nothing.
  const target = await ctx.stores.feedback.target(p.answerId);
  if (!target || target.channel !== p.channel || target.ts !== p.messageTs) {
    log.warn('ignored a feedback click that did not come from the answer it names', {
      channel: p.channel,
      messageTs: p.messageTs,
      known: Boolean(target),
    });
    return { counted: false, why: 'not_the_answer' };
  }
  if (!(await ctx.stores.feedback.vote(p.answerId, p.userId, p.vote))) return { counted: false, why: 'already' };
  ctx.metrics.answerFeedback.inc({ value: p.vote });
  if (p.vote === 'negative') {
    // Best effort: the vote is counted either way.
    await tellOnly(
      ctx.slack,
      { channel: p.channel, user: p.userId, threadTs: target.threadTs },
      feedbackReasonMessage(p.answerId),
    ).catch((err: unknown) => log.warn('could not ask why an answer did not help', { err }));
  }
  return { counted: true };
}

export function feedbackFailed(job: LunaJob<'feedback'>, ctx: JobContext, err: unknown): Promise<void> {
  ctx.log.error('a feedback click could not be recorded', { job: job.id, err });
  return Promise.resolve();
}

/** The reason question (an ephemeral) becomes a short thanks, through the click's response_url. */
async function replaceQuestion(url: string, text: string): Promise<void> {
  try {
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: true, text }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    // Expired or unreachable: the reason is recorded anyway.
  }
}
