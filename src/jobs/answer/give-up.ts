import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { LunaError } from '../../infra/errors.js';
import { finishStream } from '../../slack-api/stream.js';
import { participantsOf, postedParts, readThread } from '../../slack-api/thread.js';
import { clearWorking } from '../../slack-api/working.js';
import { guardFor, postChecked } from '../../steps/customer-guard.js';
import { tellPrivately } from './private.js';
import { readersOf } from './readers.js';

// When the answer cannot come now: a note to someone waiting out an AI-service outage, and the apology after the
// last attempt. Both are said once, where the answer would have appeared, and checked where a customer reads.

const STILL_WORKING = "The AI service is busy right now; I'll answer here as soon as it's back.";

/**
 * The answer waits out an AI-service outage (the job is back in the queue). Someone who has waited
 * longer than `model.stillWorkingNoteSeconds` gets one short note, once, where the answer will appear;
 * nothing where the answer is a private draft (a customer already has the holding reply).
 */
export async function stillWorking(job: LunaJob<'answer'>, ctx: JobContext, waitedMs: number): Promise<void> {
  const p = job.data;
  if (waitedMs < ctx.settings.workspace.model.stillWorkingNoteSeconds * 1000) return;
  if (!(await ctx.stores.answers.once(job.id, 'still-working'))) return;
  const thread = await readThread(ctx.slack, p.channel, p.threadTs);
  const readers = await readersOf(ctx, p, thread);
  if (readers.delivery !== 'thread' || postedParts(thread, job.id).has('0')) return;
  const guard = readers.customer
    ? await guardFor(ctx, p.channel, participantsOf(thread, ctx.identity.botUserId))
    : undefined;
  await postChecked(ctx, guard, {
    channel: p.channel,
    threadTs: p.threadTs,
    jobId: job.id,
    part: 'still-working',
    text: STILL_WORKING,
  });
}

/**
 * After the last attempt fails, the person waiting gets a short note instead of silence: in the thread
 * (marked like an answer part, so it is never repeated), or privately where the answer was a draft.
 */
export async function apologise(job: LunaJob<'answer'>, ctx: JobContext, err: unknown): Promise<void> {
  const p = job.data;
  const thread = await readThread(ctx.slack, p.channel, p.threadTs);
  const posted = postedParts(thread, job.id);
  // The answer is already in the thread (only a later step failed): an apology would contradict it.
  if (posted.has('apology') || posted.has('0')) return;
  const code = err instanceof LunaError ? err.code : undefined;
  const why =
    code === 'luna_model_unavailable' || code === 'luna_model_stalled'
      ? 'the AI service did not respond after several tries'
      : 'something went wrong on my side';
  const text = `:warning: Sorry, I couldn't answer this one: ${why}. Please mention me again in a few minutes.`;
  const readers = await readersOf(ctx, p, thread).catch(() => undefined);
  if (readers && readers.delivery !== 'thread') {
    await tellPrivately(
      ctx,
      p,
      readers,
      `:warning: I couldn't draft an answer for a customer thread: ${why}. Nothing was posted there beyond what you see.`,
    );
  } else {
    // A half-written stream becomes the apology, instead of staying beside it.
    const streamed = await ctx.stores.answers.stream(job.id);
    const replaced =
      streamed !== undefined &&
      (await finishStream(ctx.slack, { channel: p.channel, ts: streamed, jobId: job.id, part: 'apology', text }));
    // Where a customer reads (never streamed), the apology is checked like any text; if the facts cannot be read
    // now, the fixed apology still goes out: silence would be worse.
    const guard = readers?.customer
      ? await guardFor(ctx, p.channel, participantsOf(thread, ctx.identity.botUserId)).catch(
          (e: unknown) => void ctx.log.warn('posting the apology unchecked', { err: e }),
        )
      : undefined;
    if (!replaced)
      await postChecked(ctx, guard ?? undefined, {
        channel: p.channel,
        threadTs: p.threadTs,
        jobId: job.id,
        part: 'apology',
        text,
      });
    await clearWorking(ctx.slack, p);
  }
  ctx.metrics.answers.inc({ outcome: 'apologised' });
}
