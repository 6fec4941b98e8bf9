import { fitThread } from '../domain/thread-budget.js';
import { LunaError } from '../infra/errors.js';
import { streamAnswer } from '../llm/client.js';
import { buildAnswerPrompt } from '../llm/prompt.js';
import type { AnswerPayload } from '../contracts/jobs.js';
import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { renderAnswer } from '../render/answer.js';
import { labelParts, splitMessage } from '../render/split.js';
import { slackErrorCode } from '../slack-api/errors.js';
import { postPart } from '../slack-api/post.js';
import { postedParts, readThread, threadAsAsked, toThreadMessages } from '../slack-api/thread.js';
import { mentionPolicy } from './mention-policy.js';
import { applyHandles } from '../domain/handles.js';
import { AssessmentStep } from './assessment-step.js';

const WORKING_REACTION = 'hourglass_flowing_sand';

/**
 * Answers a mention in its thread. Safe to run again after a crash at any point: the rendered answer is
 * stored in Redis before anything is posted (a retry never asks the model twice for different words),
 * and each part carries message metadata, so parts already in the thread are not posted again.
 */
export async function answerJob(job: LunaJob<'answer'>, ctx: JobContext): Promise<{ parts: number; reused: boolean }> {
  const p = job.data;
  const jobId = job.id;
  const log = ctx.log.child({ job: jobId, channel: p.channel });
  const store = ctx.stores.answers;

  const thread = await readThread(ctx.slack, p.channel, p.threadTs);
  const already = postedParts(thread, jobId);
  const prompt = () => {
    const { kept, omitted } = fitThread(
      toThreadMessages(threadAsAsked(thread, p.messageTs), ctx.identity.botUserId, ctx.identity.botId),
      ctx.settings.workspace.model.threadTokenBudget,
    );
    return buildAnswerPrompt({
      persona: ctx.settings.persona,
      thread: kept,
      omitted,
      where: p.isDirectMessage ? 'a direct message' : `a thread in channel <#${p.channel}>`,
      handles: ctx.settings.workspace.handles,
    });
  };
  const assessment = new AssessmentStep(ctx, jobId);
  let parts = await store.parts(jobId);
  const reused = parts !== undefined;
  let answerText: string | undefined;

  if (!parts) {
    await showWorking(ctx, p);
    const { system, messages } = prompt();
    assessment.start(messages); // beside the answer, not after it
    const answer = await streamAnswer(ctx.anthropic, {
      model: ctx.settings.persona.model,
      system,
      messages,
      maxTokens: ctx.settings.workspace.model.maxOutputTokens,
      idleTimeoutMs: ctx.settings.workspace.model.streamIdleTimeoutSeconds * 1000,
    });
    ctx.metrics.recordUsage(answer.usage);
    if (answer.firstTokenMs !== null) ctx.metrics.modelFirstToken.observe(answer.firstTokenMs / 1000);
    log.info('model answered', { usage: answer.usage, firstTokenMs: answer.firstTokenMs, stop: answer.stopReason });
    if (!answer.text.trim()) {
      throw new LunaError('luna_model_output_invalid', 'model returned an empty answer', { retriable: true });
    }
    answerText = answer.text;
    const participants = thread.map((m) => m.user).filter((u): u is string => Boolean(u) && u !== ctx.identity.botUserId);
    // A cut-off answer says so, instead of ending mid-sentence.
    const markdown =
      answer.stopReason === 'max_tokens' ? `${answer.text}\n\n_I reached my length limit here; ask me to continue for the rest._` : answer.text;
    const rendered = renderAnswer(applyHandles(markdown, ctx.settings.workspace.handles), mentionPolicy(ctx.settings, participants));
    if (rendered.removed.length) {
      ctx.metrics.mentionsNeutralised.inc(rendered.removed.length);
      log.warn('neutralised mentions in model output', { removed: rendered.removed });
    }
    parts = await store.storeParts(jobId, labelParts(splitMessage(rendered.text)));
  }

  for (const [i, text] of parts.entries()) {
    if (already.has(String(i))) continue;
    await postPart(ctx.slack, { channel: p.channel, threadTs: p.threadTs, jobId, part: i, text, meta: { of: parts.length, asked_ts: p.messageTs } });
  }
  await clearWorking(ctx, p);
  if (!already.has('0')) {
    ctx.metrics.answers.inc({ outcome: 'answered' });
    await ctx.stores.stats.incr('answers');
  }
  const asked = thread.find((m) => m.ts === p.messageTs)?.text ?? '';
  await assessment.finish(p, () => prompt().messages, asked, answerText);
  return { parts: parts.length, reused };
}

/**
 * After the last attempt fails, the thread gets a short visible note instead of silence. It is marked
 * like an answer part, so a second failure handler (another worker, a restart) does not repeat it.
 */
export async function apologise(job: LunaJob<'answer'>, ctx: JobContext, err: unknown): Promise<void> {
  const { channel, threadTs } = job.data;
  const thread = await readThread(ctx.slack, channel, threadTs);
  const posted = postedParts(thread, job.id);
  // The answer is already in the thread (only a later step failed): an apology would contradict it.
  if (posted.has('apology') || posted.has('0')) return;
  const code = err instanceof LunaError ? err.code : undefined;
  const why =
    code === 'luna_model_unavailable' || code === 'luna_model_stalled'
      ? 'the AI service did not respond after several tries'
      : 'something went wrong on my side';
  await postPart(ctx.slack, {
    channel,
    threadTs,
    jobId: job.id,
    part: 'apology',
    text: `:warning: Sorry, I couldn't answer this one: ${why}. Please mention me again in a few minutes.`,
  });
  await clearWorking(ctx, job.data);
  ctx.metrics.answers.inc({ outcome: 'apologised' });
}

/** Assistant status where Slack offers it (DM assistant threads), otherwise a reaction on the message. */
async function showWorking(ctx: JobContext, p: AnswerPayload): Promise<void> {
  if (p.isDirectMessage) {
    const ok = await ctx.slack.assistant.threads
      .setStatus({ channel_id: p.channel, thread_ts: p.threadTs, status: 'is thinking…' })
      .then(() => true)
      .catch(() => false);
    if (ok) return;
  }
  await ctx.slack.reactions.add({ channel: p.channel, timestamp: p.messageTs, name: WORKING_REACTION }).catch((e) => {
    if (slackErrorCode(e) !== 'already_reacted') ctx.log.debug('reaction failed', { err: e });
  });
}

async function clearWorking(ctx: JobContext, p: AnswerPayload): Promise<void> {
  // The assistant status clears itself when the app replies; the reaction has to be removed.
  await ctx.slack.reactions.remove({ channel: p.channel, timestamp: p.messageTs, name: WORKING_REACTION }).catch(() => {});
}
