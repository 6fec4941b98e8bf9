import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { INTERNAL_VOTE, SURVEY_GONE, THANKS } from '../render/csat-blocks.js';
import { tellOnly } from '../slack-api/tell-only.js';

// CSAT surveys. An internal member adds `csat.resolvedReaction` to a customer thread's parent: the
// thread's escalations are closed in account memory and (with `csat.enabled`) LUNA asks once in the thread
// for a 1–5 rating. A customer's click is their vote (one per person, the last click wins) and is thanked
// privately; an internal member's click is refused privately and not counted.

export async function csatVoteJob(
  job: LunaJob<'csat-vote'>,
  ctx: JobContext,
): Promise<{ counted: boolean; why?: string }> {
  const p = job.data;
  const survey = await ctx.stores.csat.get(p.surveyId);
  const tell = (text: string, channel = p.channel, threadTs?: string) =>
    tellOnly(ctx.slack, { channel, user: p.userId, threadTs }, text);
  if (!survey) {
    await tell(SURVEY_GONE);
    return { counted: false, why: 'no such survey' };
  }
  // A button only counts on the survey's own message: a value copied elsewhere is not a vote.
  if (survey.channel !== p.channel || survey.messageTs !== p.messageTs) {
    ctx.log.warn('ignored a CSAT click that did not come from its survey message', {
      survey: p.surveyId,
      channel: p.channel,
      messageTs: p.messageTs,
    });
    return { counted: false, why: 'not the survey message' };
  }
  if (!(await ctx.directory.person(p.userId)).external) {
    ctx.metrics.csatVotes.inc({ outcome: 'refused' });
    await tell(INTERNAL_VOTE, survey.channel, survey.threadTs);
    return { counted: false, why: 'an internal member' };
  }
  const recorded = await ctx.stores.csat.vote(p.surveyId, p.userId, p.score, p.actionTs);
  ctx.metrics.csatVotes.inc({ outcome: recorded ? 'counted' : 'stale' });
  if (recorded) await tell(THANKS, survey.channel, survey.threadTs);
  return { counted: recorded };
}
