import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { wordsBesides } from '../../domain/slack-ids.js';
import { readAccountContext } from '../../llm/account-brief.js';
import { participantsOf, postedParts, readThread, type SlackThreadMessage } from '../../slack-api/thread.js';
import { guardFrom, postChecked } from '../../steps/customer-guard.js';
import { admitMention, spendFor, withinOrganisationBudget } from '../../steps/mention-limits.js';
import { AssessmentStep } from './assessment.js';
import { deliver } from './delivery.js';
import { answerOverBudget, postHoldingReply } from './held-back.js';
import { tellOwners } from './private.js';
import { answerPrompt, assessmentBudget, generateAnswer } from './generate.js';
import { knowledgePlace, retrievePassages } from './knowledge.js';
import { readersOf } from './readers.js';

const ATTACHMENTS_ONLY =
  "I can't read attachments yet. Tell me in words what you'd like help with, and I'll answer here.";
const NOTHING = { parts: 0, reused: false };

/**
 * Answers a mention: read the thread → decide who reads the answer → find what the team's knowledge says → generate it (once: it is stored before anything
 * is posted, so a retry never asks the model twice for different words) → deliver it (each part carries message
 * metadata, so parts already in the thread are not posted again) → assess whether it needs a human.
 *
 * In a customer channel the answer is written for the customer and, by default, goes first to a person of the team.
 * Where the team reads (DMs, internal channels) it streams into Slack as the model writes it; the streamed message's
 * ts is in Redis from the moment Slack answers chat.startStream, so a retry finishes that message rather than posting
 * a second answer.
 */
export async function answerJob(job: LunaJob<'answer'>, ctx: JobContext): Promise<{ parts: number; reused: boolean }> {
  const p = job.data;
  // A person over their limits gets no model call, and not even a read of the thread (steps/mention-limits.ts).
  if (!(await admitMention(ctx, job.id, p))) return NOTHING;

  // Read.
  const thread = await readThread(ctx.slack, p.channel, p.threadTs);
  const already = postedParts(thread, job.id);
  const asked = thread.find((m) => m.ts === p.messageTs);
  const readers = await readersOf(ctx, p, thread);
  if (readers.delivery === 'owners') {
    await tellOwners(ctx, p, readers, asked?.text ?? '');
    return NOTHING;
  }
  // What LUNA holds about the channel's account, read once: for the brief, and where a customer reads, for the
  // check of everything posted there (steps/customer-guard.ts).
  const context = await readAccountContext(ctx, p).catch((err: unknown) => {
    if (readers.customer) throw err; // a customer channel is not posted in unchecked
    ctx.log.warn('could not read the account; answering without its brief', { job: job.id, err });
    return undefined;
  });
  const guard = readers.customer
    ? await guardFrom(ctx, p.channel, context, [p.userId, ...participantsOf(thread, ctx.identity.botUserId)])
    : undefined;
  if (attachmentsOnly(asked, ctx.identity.botUserId)) {
    if (!already.has('attachments'))
      await postChecked(ctx, guard, {
        channel: p.channel,
        threadTs: p.threadTs,
        jobId: job.id,
        part: 'attachments',
        text: ATTACHMENTS_ONLY,
      });
    return NOTHING;
  }

  // Generate (or find what an earlier attempt stored).
  let stored = await ctx.stores.answers.answer(job.id);
  const reused = stored !== undefined;
  if (!stored && readers.asker && !(await withinOrganisationBudget(ctx, readers.asker))) {
    await answerOverBudget(ctx, p, job.id, readers, already, guard);
    return NOTHING;
  }
  if (readers.delivery === 'holding') await postHoldingReply(ctx, p, job.id, already, guard);
  const place = knowledgePlace(readers, context);
  const passages = stored ? [] : await retrievePassages(ctx, p, thread, place);
  const prompt = answerPrompt(ctx, p, thread, readers, context, passages);
  const assessment = new AssessmentStep(ctx, job.id, (usage) => spendFor(ctx, readers.asker, usage));
  /** A message an earlier attempt started streaming this answer into, to be finished rather than posted again. */
  let streamed = already.has('0') ? undefined : await ctx.stores.answers.stream(job.id);
  let answerText: string | undefined;
  if (!stored) {
    const generated = await generateAnswer(
      ctx,
      job,
      { thread, readers, guard, prompt, knowledge: { place, passages } },
      assessment,
      streamed,
    );
    ({ stored, streamed, text: answerText } = generated);
  }

  // Deliver. A run whose lock lapsed (a Redis blip) while another run took the job over stops before anything shows.
  await job.assertHeld();
  await deliver(ctx, job.id, p, { readers, stored, guard, already, streamed });

  // Assess.
  await assessment.finish(
    p,
    () => prompt.promptFor(assessmentBudget(ctx), false).messages,
    asked?.text ?? '',
    answerText,
  );
  return { parts: stored.parts.length, reused };
}

/** A mention that carries files and no words: nothing to answer yet. */
function attachmentsOnly(m: SlackThreadMessage | undefined, botUserId: string): boolean {
  const files = (m as { files?: unknown[] } | undefined)?.files ?? [];
  return files.length > 0 && wordsBesides(botUserId, m?.text) === '';
}
