import type { AnswerPayload } from '../../contracts/jobs.js';
import type { AnswerReaders } from './readers.js';
import { withholdAnswer, withholdUnsourced } from './held-back.js';
import { deliverPrivately } from './private.js';
import type { JobContext } from '../../contracts/job-context.js';
import { checkForCustomer, type CustomerGuard } from '../../steps/customer-guard.js';
import { answerPartBlocks } from '../../render/answer-blocks.js';
import { postPart } from '../../slack-api/post.js';
import { finishStream } from '../../slack-api/stream.js';
import { clearWorking } from '../../slack-api/working.js';
import type { StoredAnswer } from '../../stores/answers.js';

// The stored answer where its readers are: in the thread, or (held back, or for the team first) through held-back.ts
// and private.ts.

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
