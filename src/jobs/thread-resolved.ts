import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { surveyMessage } from '../render/csat-blocks.js';
import { slackErrorCode } from '../slack-api/errors.js';
import { participantsOf, postedParts, readThread } from '../slack-api/thread.js';
import { guardFor, postChecked } from '../steps/customer-guard.js';

// CSAT surveys. An internal member adds `csat.resolvedReaction` to a customer thread's parent: the
// thread's escalations are closed in account memory and (with `csat.enabled`) LUNA asks once in the thread
// for a 1–5 rating. A customer's click is their vote (one per person, the last click wins) and is thanked
// privately; an internal member's click is refused privately and not counted.

export async function threadResolvedJob(
  job: LunaJob<'thread-resolved'>,
  ctx: JobContext,
): Promise<{ survey: 'posted' | 'already' | 'none'; why?: string }> {
  const p = job.data;
  if (p.userId === ctx.identity.botUserId) return { survey: 'none', why: 'LUNA’s own reaction' };
  const thread = await readThread(ctx.slack, p.channel, p.ts).catch((err: unknown) => {
    if (slackErrorCode(err) === 'thread_not_found') return [];
    throw err;
  });
  if (thread[0]?.ts !== p.ts) return { survey: 'none', why: 'not a thread’s parent message' };
  if ((await ctx.directory.person(p.userId)).external)
    return { survey: 'none', why: 'marked by someone of another organisation' };

  const account = await ctx.accounts.forChannel(p.channel);
  if (account) await ctx.stores.accounts.closeThread(account.id, p.channel, p.ts, Date.now());

  const csat = ctx.settings.workspace.csat;
  if (!csat.enabled) return { survey: 'none', why: 'csat.enabled is false' };
  if ((await ctx.directory.audience(p.channel)).kind !== 'customer')
    return { survey: 'none', why: 'not a customer channel' };

  const surveyId = `${p.channel}-${p.ts}`;
  const marker = `csat-${surveyId}`;
  // Two people marking the same thread at once: one job posts, the other stands back.
  if (!(await ctx.stores.csat.claim(surveyId, job.id))) return { survey: 'already' };
  const posted = postedParts(thread, marker).get('survey');
  // The question is the team's own wording, read by the customer: checked like everything posted there.
  const guard = posted ? undefined : await guardFor(ctx, p.channel, participantsOf(thread, ctx.identity.botUserId));
  const ts =
    posted ??
    (await postChecked(ctx, guard, {
      channel: p.channel,
      threadTs: p.ts,
      jobId: marker,
      part: 'survey',
      ...surveyMessage(csat.question, surveyId),
    }));
  if (!ts) return { survey: 'none', why: 'the survey question names an internal fact' };
  await ctx.stores.csat.create({
    id: surveyId,
    channel: p.channel,
    threadTs: p.ts,
    messageTs: ts,
    ...(account ? { accountId: account.id } : {}),
    postedAt: Date.now(),
    askedBy: p.userId,
  });
  if (!posted) ctx.metrics.csatSurveys.inc();
  return { survey: posted ? 'already' : 'posted' };
}
