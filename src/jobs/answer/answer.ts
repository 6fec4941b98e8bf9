import { clearWorking, showWorking } from '../../slack-api/working.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { applyHandles } from '../../domain/handles.js';
import { fitThread } from '../../domain/thread-budget.js';
import { LunaError } from '../../infra/errors.js';
import { streamAnswer } from '../../llm/client.js';
import { buildAnswerPrompt, newCanary } from '../../llm/prompt.js';
import { DEFAULT_LOADING_MESSAGES } from '../../personas/prompts.js';
import { renderAnswer } from '../../render/answer.js';
import { ANSWER_PART_CHARS, answerPartBlocks } from '../../render/answer-blocks.js';
import { labelParts, splitMessage } from '../../render/split.js';
import { postPart } from '../../slack-api/post.js';
import { AnswerStream, finishStream, stopStream } from '../../slack-api/stream.js';
import { participantsOf, postedParts, readThread, threadAsAsked, toThreadMessages, type SlackThreadMessage } from '../../slack-api/thread.js';
import { extraCare, readAccountContext, writeBrief } from '../../llm/account-brief.js';
import { answerOverBudget, deliverPrivately, placeOf, postHoldingReply, tellOwners, tellPrivately, withholdAnswer, type AnswerPlace } from './delivery.js';
import { AssessmentStep } from './assessment.js';
import { checkForCustomer, guardFor, guardFrom, postChecked } from '../../steps/customer-guard.js';
import { admitMention, spendFor, withinOrganisationBudget } from '../../steps/mention-limits.js';
import { mentionPolicy } from '../../domain/mention-policy.js';
import { mention, mentionPattern } from '../../domain/slack-ids.js';

const STILL_WORKING = "The AI service is busy right now; I'll answer here as soon as it's back.";
const ATTACHMENTS_ONLY = "I can't read attachments yet. Tell me in words what you'd like help with, and I'll answer here.";

/**
 * Answers a mention. Safe to run again after a crash at any point: the rendered answer is stored in
 * Redis before anything is posted (a retry never asks the model twice for different words), and each
 * part carries message metadata, so parts already in the thread are not posted again. In a customer
 * channel the answer is written for the customer and, by default, goes first to a person of the team.
 *
 * Where the team reads (DMs, internal channels) the answer streams into Slack as the model writes it, and
 * the streamed message then becomes the first part, with the same words and rules as a posted one. Its ts is
 * in Redis from the moment Slack answers chat.startStream, so a retry finishes that message rather than
 * posting a second answer. Where Slack will not stream, the answer is posted once, complete.
 */
export async function answerJob(job: LunaJob<'answer'>, ctx: JobContext): Promise<{ parts: number; reused: boolean }> {
  const p = job.data;
  const jobId = job.id;
  const log = ctx.log.child({ job: jobId, channel: p.channel });
  const store = ctx.stores.answers;
  // A person over their limits gets no model call, and not even a read of the thread (jobs/mention-limits.ts).
  if (!(await admitMention(ctx, jobId, p))) return { parts: 0, reused: false };

  const thread = await readThread(ctx.slack, p.channel, p.threadTs);
  const already = postedParts(thread, jobId);
  const place = await placeOf(ctx, p, thread);
  const asked = thread.find((m) => m.ts === p.messageTs);

  if (place.delivery === 'owners') {
    await tellOwners(ctx, p, place, asked?.text ?? '');
    return { parts: 0, reused: false };
  }
  // What LUNA holds about the channel's account, read once: for the brief, and where a customer reads, for the
  // check of everything posted there (jobs/customer-guard.ts).
  const context = await readAccountContext(ctx, p).catch((err: unknown) => {
    if (place.customer) throw err; // a customer channel is not posted in unchecked
    log.warn('could not read the account; answering without its brief', { err });
    return undefined;
  });
  const guard = place.customer ? await guardFrom(ctx, p.channel, context, [p.userId, ...participantsOf(thread, ctx.identity.botUserId)]) : undefined;
  if (attachmentsOnly(asked, ctx.identity.botUserId)) {
    if (!already.has('attachments'))
      await postChecked(ctx, guard, { channel: p.channel, threadTs: p.threadTs, jobId, part: 'attachments', text: ATTACHMENTS_ONLY });
    return { parts: 0, reused: false };
  }
  let stored = await store.answer(jobId);
  if (!stored && place.asker && !(await withinOrganisationBudget(ctx, place.asker))) {
    await answerOverBudget(ctx, p, jobId, place, already, guard);
    return { parts: 0, reused: false };
  }
  if (place.delivery === 'holding') await postHoldingReply(ctx, p, jobId, already, guard);

  // Least privilege: where the customer reads the model's words directly, the model is told no internal fact at
  // all, at most to take extra care; drafts the team reviews first and internal places get the brief.
  const customerReads = place.customer !== undefined && place.delivery === 'thread';
  const account = !context ? undefined : customerReads ? (extraCare(context) ? ({ extraCare: true } as const) : undefined) : { brief: writeBrief(context) };
  const canary = newCanary();
  // The answer reads up to the thread budget; the escalation assessment only the parent and the newest messages.
  const prompt = (budget = ctx.settings.workspace.model.threadTokenBudget) => {
    const { kept, omitted } = fitThread(toThreadMessages(threadAsAsked(thread, p.messageTs), ctx.identity.botUserId, ctx.identity.botId), budget);
    return buildAnswerPrompt({
      persona: ctx.settings.persona,
      thread: kept,
      omitted,
      where: p.isDirectMessage ? 'a direct message' : `a thread in channel ${mention(p.channel)}`,
      handles: place.customer ? {} : ctx.settings.workspace.handles,
      customer: place.customer,
      external: place.external,
      account,
      canary,
    });
  };
  const assessment = new AssessmentStep(ctx, jobId, (usage) => spendFor(ctx, place.asker, usage));
  const reused = stored !== undefined;
  let answerText: string | undefined;
  // The team's own places stream and carry feedback buttons; where a customer reads along, neither.
  const teamOnly = place.delivery === 'thread' && !place.customer;
  /** A message an earlier attempt started streaming this answer into, to be finished rather than posted again. */
  let streamed = already.has('0') ? undefined : await store.stream(jobId);

  if (!stored) {
    // The listener put the reaction up at enqueue in internal channels; a DM gets the assistant status, and a
    // customer channel answered in the thread its reaction here. A draft in progress shows nothing in public.
    if (place.delivery === 'thread' && (p.isDirectMessage || place.customer))
      await showWorking(ctx.slack, ctx.log, p, ctx.settings.persona.loadingMessages ?? DEFAULT_LOADING_MESSAGES);
    // A stream a crashed attempt left open is closed now (it gets the stored words when they are ready), not left "writing".
    if (streamed) await stopStream(ctx.slack, p.channel, streamed);
    const live = teamOnly && !streamed && ctx.settings.workspace.model.stream ? openStream(ctx, job, thread) : undefined;
    const { system, messages } = prompt();
    let answer: Awaited<ReturnType<typeof streamAnswer>>;
    try {
      answer = await streamAnswer(ctx.anthropic, {
        model: ctx.settings.persona.model,
        system,
        messages,
        maxTokens: ctx.settings.workspace.model.maxOutputTokens,
        idleTimeoutMs: ctx.settings.workspace.model.streamIdleTimeoutSeconds * 1000,
        // Beside the answer, not after it — but only once the API took the answer, so an outage does not double the load.
        onAccepted: () => assessment.start(prompt(assessmentBudget(ctx)).messages),
        ...(live ? { onText: (delta: string) => live.push(delta) } : {}),
      });
    } catch (err) {
      // The model failed mid-answer: the half-written stream stops now; the retry replaces its words.
      const ts = (await live?.settle())?.ts;
      if (ts) await stopStream(ctx.slack, p.channel, ts).catch((e: unknown) => log.warn('could not stop a stream after the model failed', { err: e }));
      throw err;
    }
    if (live) streamed = (await live.settle()).ts;
    ctx.metrics.recordUsage(answer.usage);
    await spendFor(ctx, place.asker, answer.usage);
    if (answer.firstTokenMs !== null) ctx.metrics.modelFirstToken.observe(answer.firstTokenMs / 1000);
    log.info('model answered', {
      usage: answer.usage,
      firstTokenMs: answer.firstTokenMs,
      stop: answer.stopReason,
      delivery: place.delivery,
      streamed: Boolean(streamed),
    });
    if (!answer.text.trim()) {
      throw new LunaError('luna_model_output_invalid', 'model returned an empty answer', { retriable: true });
    }
    answerText = answer.text;
    const parts = render(ctx, answer.text, answer.stopReason, thread, place);
    // Checked with this request's canary, which no later attempt knows: the verdict is stored with the words.
    stored = await store.storeAnswer(jobId, { parts, ...(guard ? { held: checkForCustomer(guard, parts.join('\n'), canary) } : {}) });
  }
  const parts = stored.parts;
  const held = guard ? (stored.held ?? checkForCustomer(guard, parts.join('\n'))) : [];
  // A run whose lock lapsed (a Redis blip) while another run took the job over stops before anything shows;
  // a stream checks the same before it starts.
  await job.assertHeld();

  if (place.delivery === 'thread' && held.length) {
    await withholdAnswer(ctx, p, jobId, parts, place, held, already, guard);
    await clearWorking(ctx.slack, p);
  } else if (place.delivery === 'thread') {
    const posted = new Map(already);
    const last = parts.length - 1;
    for (const [i, text] of parts.entries()) {
      if (posted.has(String(i))) continue;
      const meta = { of: parts.length, asked_ts: p.messageTs };
      const blocks = i === last && teamOnly ? answerPartBlocks(text, { answerId: jobId }) : undefined;
      if (i === 0 && streamed && (await finishStream(ctx.slack, { channel: p.channel, ts: streamed, jobId, part: 0, text, blocks, meta }))) {
        posted.set('0', streamed);
        continue;
      }
      posted.set(String(i), await postPart(ctx.slack, { channel: p.channel, threadTs: p.threadTs, jobId, part: i, text, blocks, meta }));
    }
    // Where the buttons are: a click counts only on this message (feedback.ts).
    if (teamOnly) await ctx.stores.feedback.setTarget(jobId, { channel: p.channel, ts: posted.get(String(last))!, threadTs: p.threadTs });
    await clearWorking(ctx.slack, p);
    if (!already.has('0')) {
      ctx.metrics.answers.inc({ outcome: 'answered' });
      await ctx.stores.stats.incr('answers');
    }
  } else {
    await deliverPrivately(ctx, p, jobId, parts, place, held);
  }
  await assessment.finish(p, () => prompt(assessmentBudget(ctx)).messages, asked?.text ?? '', answerText);
  return { parts: parts.length, reused };
}

/** Slack mrkdwn, mention-safe, split into parts. Where the customer reads, no internal handle or owner can be tagged. */
function render(ctx: JobContext, text: string, stopReason: string | null, thread: SlackThreadMessage[], place: AnswerPlace): string[] {
  const participants = participantsOf(thread, ctx.identity.botUserId);
  // A cut-off answer says so, instead of ending mid-sentence.
  const markdown = stopReason === 'max_tokens' ? `${text}\n\n_I reached my length limit here; ask me to continue for the rest._` : text;
  const policy = place.customer ? { users: new Set(participants), groups: new Set<string>() } : mentionPolicy(ctx.settings, participants);
  const rendered = renderAnswer(place.customer ? markdown : applyHandles(markdown, ctx.settings.workspace.handles), policy);
  if (rendered.removed.length) {
    ctx.metrics.mentionsNeutralised.inc(rendered.removed.length);
    ctx.log.warn('neutralised mentions in model output', { removed: rendered.removed });
  }
  return labelParts(splitMessage(rendered.text, ANSWER_PART_CHARS));
}

/**
 * A stream for this answer in the thread it was asked in: in a channel it is for the person who asked (Slack
 * requires the recipient there). Mentions in it follow the same policy as the final answer.
 */
function openStream(ctx: JobContext, job: LunaJob<'answer'>, thread: SlackThreadMessage[]): AnswerStream | undefined {
  const p = job.data;
  const jobId = job.id;
  const participants = participantsOf(thread, ctx.identity.botUserId);
  return AnswerStream.open(
    ctx.slack,
    {
      channel: p.channel,
      threadTs: p.threadTs,
      recipient: p.isDirectMessage ? undefined : { userId: p.userId, teamId: p.userTeam ?? p.teamId ?? ctx.identity.teamId },
    },
    {
      policy: mentionPolicy(ctx.settings, participants),
      onStarted: (ts) => ctx.stores.answers.recordStream(jobId, ts),
      beforeStart: () => job.assertHeld(),
      maxChars: ANSWER_PART_CHARS,
      log: ctx.log.child({ job: jobId, channel: p.channel }),
    },
  );
}

function assessmentBudget(ctx: JobContext): number {
  return ctx.settings.workspace.escalation?.assessmentTokenBudget ?? ctx.settings.workspace.model.threadTokenBudget;
}

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
  const place = await placeOf(ctx, p, thread);
  if (place.delivery !== 'thread' || postedParts(thread, job.id).has('0')) return;
  const guard = place.customer ? await guardFor(ctx, p.channel, participantsOf(thread, ctx.identity.botUserId)) : undefined;
  await postChecked(ctx, guard, { channel: p.channel, threadTs: p.threadTs, jobId: job.id, part: 'still-working', text: STILL_WORKING });
}

/** A mention that carries files and no words: nothing to answer yet. */
function attachmentsOnly(m: SlackThreadMessage | undefined, botUserId: string): boolean {
  const files = (m as { files?: unknown[] } | undefined)?.files ?? [];
  const words = (m?.text ?? '').replace(mentionPattern(botUserId, 'g'), '').trim();
  return files.length > 0 && words === '';
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
  const place = await placeOf(ctx, p, thread).catch(() => undefined);
  if (place && place.delivery !== 'thread') {
    await tellPrivately(ctx, p, place, `:warning: I couldn't draft an answer for a customer thread: ${why}. Nothing was posted there beyond what you see.`);
  } else {
    // A half-written stream becomes the apology, instead of staying beside it.
    const streamed = await ctx.stores.answers.stream(job.id);
    const replaced = streamed !== undefined && (await finishStream(ctx.slack, { channel: p.channel, ts: streamed, jobId: job.id, part: 'apology', text }));
    // Where a customer reads (never streamed), the apology is checked like any text; if the facts cannot be read
    // now, the fixed apology still goes out: silence would be worse.
    const guard = place?.customer
      ? await guardFor(ctx, p.channel, participantsOf(thread, ctx.identity.botUserId)).catch(
          (e: unknown) => void ctx.log.warn('posting the apology unchecked', { err: e }),
        )
      : undefined;
    if (!replaced) await postChecked(ctx, guard ?? undefined, { channel: p.channel, threadTs: p.threadTs, jobId: job.id, part: 'apology', text });
    await clearWorking(ctx.slack, p);
  }
  ctx.metrics.answers.inc({ outcome: 'apologised' });
}
