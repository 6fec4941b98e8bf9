import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { AnswerPayload } from '../../contracts/jobs.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { applyHandles } from '../../domain/handles.js';
import { mentionPolicy } from '../../domain/mention-policy.js';
import { mention } from '../../domain/slack-ids.js';
import type { Chunk, Place } from '../../domain/knowledge.js';
import { fitThread } from '../../domain/thread-budget.js';
import { LunaError } from '../../infra/errors.js';
import { extraCare, writeBrief, type AccountContext } from '../../llm/account-brief.js';
import { streamAnswer } from '../../llm/client.js';
import { buildAnswerPrompt, newCanary } from '../../llm/prompt.js';
import { DEFAULT_LOADING_MESSAGES } from '../../personas/prompts.js';
import { renderAnswer } from '../../render/answer.js';
import { ANSWER_PART_CHARS } from '../../render/answer-blocks.js';
import { labelParts, splitMessage } from '../../render/split.js';
import { AnswerStream, stopStream } from '../../slack-api/stream.js';
import { participantsOf, threadAsAsked, toThreadMessages, type SlackThreadMessage } from '../../slack-api/thread.js';
import { showWorking } from '../../slack-api/working.js';
import { checkForCustomer, type CustomerGuard } from '../../steps/customer-guard.js';
import { spendFor } from '../../steps/mention-limits.js';
import type { StoredAnswer } from '../../stores/answers.js';
import type { AssessmentStep } from './assessment.js';
import { groundAnswer } from './knowledge.js';
import type { AnswerReaders } from './readers.js';

// The answer's model call: the prompt (what the model may know here), the call itself — streamed into Slack where
// the team reads — and its words made safe for Slack and split into parts, stored before anything is posted.

/**
 * The thread as the model reads it, within a token budget; each call of it builds the prompt anew for that budget.
 * `withPassages: false` leaves the knowledge passages out (the escalation assessment judges the conversation only).
 */
export type PromptFor = (
  budget?: number,
  withPassages?: boolean,
) => { system: ReturnType<typeof buildAnswerPrompt>['system']; messages: MessageParam[] };

/**
 * The answer's prompt, for any budget (the answer reads up to the thread budget; the escalation assessment only the
 * parent and the newest messages). Least privilege: where the customer reads the model's words directly, the model
 * is told no internal fact at all, at most to take extra care; drafts the team reviews first and internal places get
 * the brief.
 */
export function answerPrompt(
  ctx: JobContext,
  p: AnswerPayload,
  thread: SlackThreadMessage[],
  readers: AnswerReaders,
  context: AccountContext | undefined,
  passages: readonly Chunk[] = [],
  canary = newCanary(),
): { promptFor: PromptFor; canary: string } {
  const customerReads = readers.customer !== undefined && readers.delivery === 'thread';
  const account = !context
    ? undefined
    : customerReads
      ? extraCare(context)
        ? ({ extraCare: true } as const)
        : undefined
      : { brief: writeBrief(context) };
  const promptFor: PromptFor = (budget = ctx.settings.workspace.model.threadTokenBudget, withPassages = true) => {
    const { kept, omitted } = fitThread(
      toThreadMessages(threadAsAsked(thread, p.messageTs), ctx.identity.botUserId, ctx.identity.botId),
      budget,
    );
    return buildAnswerPrompt({
      persona: ctx.settings.persona,
      thread: kept,
      omitted,
      where: p.isDirectMessage ? 'a direct message' : `a thread in channel ${mention(p.channel)}`,
      handles: readers.customer ? {} : ctx.settings.workspace.handles,
      customer: readers.customer,
      external: readers.external,
      account,
      canary,
      ...(withPassages && passages.length ? { passages } : {}),
    });
  };
  return { promptFor, canary };
}

export function assessmentBudget(ctx: JobContext): number {
  return ctx.settings.workspace.escalation?.assessmentTokenBudget ?? ctx.settings.workspace.model.threadTokenBudget;
}

export interface Generated {
  stored: StoredAnswer;
  /** The message the answer streamed into, to be finished with the first part. */
  streamed: string | undefined;
  text: string;
}

/**
 * Asks the model for the answer and stores its parts (checked with this request's canary where a customer reads,
 * which no later attempt knows: the verdict is stored with the words). Where the team alone reads, the answer streams
 * into Slack as it is written; `streamed` is a message an earlier attempt left open, closed now and finished later.
 */
export async function generateAnswer(
  ctx: JobContext,
  job: LunaJob<'answer'>,
  s: {
    thread: SlackThreadMessage[];
    readers: AnswerReaders;
    guard: CustomerGuard | undefined;
    prompt: { promptFor: PromptFor; canary: string };
    knowledge: { place: Place; passages: readonly Chunk[] };
  },
  assessment: AssessmentStep,
  streamed: string | undefined,
): Promise<Generated> {
  const p = job.data;
  const { readers } = s;
  const log = ctx.log.child({ job: job.id, channel: p.channel });
  // The listener put the reaction up at enqueue in internal channels; a DM gets the assistant status, and a
  // customer channel answered in the thread its reaction here. A draft in progress shows nothing in public.
  if (readers.delivery === 'thread' && (p.isDirectMessage || readers.customer))
    await showWorking(ctx.slack, ctx.log, p, ctx.settings.persona.loadingMessages ?? DEFAULT_LOADING_MESSAGES);
  // A stream a crashed attempt left open is closed now (it gets the stored words when they are ready), not left "writing".
  if (streamed) await stopStream(ctx.slack, p.channel, streamed);
  const teamOnly = readers.delivery === 'thread' && !readers.customer;
  const live =
    teamOnly && !streamed && ctx.settings.workspace.model.stream ? openStream(ctx, job, s.thread) : undefined;
  const { system, messages } = s.prompt.promptFor();
  let answer: Awaited<ReturnType<typeof streamAnswer>>;
  try {
    answer = await streamAnswer(ctx.anthropic, {
      model: ctx.settings.persona.model,
      system,
      messages,
      maxTokens: ctx.settings.workspace.model.maxOutputTokens,
      idleTimeoutMs: ctx.settings.workspace.model.streamIdleTimeoutSeconds * 1000,
      // Beside the answer, not after it — but only once the API took the answer, so an outage does not double the load.
      onAccepted: () => assessment.start(s.prompt.promptFor(assessmentBudget(ctx), false).messages),
      ...(live ? { onText: (delta: string) => live.push(delta) } : {}),
    });
  } catch (err) {
    // The model failed mid-answer: the half-written stream stops now; the retry replaces its words.
    const ts = (await live?.settle())?.ts;
    if (ts)
      await stopStream(ctx.slack, p.channel, ts).catch((e: unknown) =>
        log.warn('could not stop a stream after the model failed', { err: e }),
      );
    throw err;
  }
  const streamedNow = live ? (await live.settle()).ts : streamed;
  ctx.metrics.recordUsage(answer.usage);
  await spendFor(ctx, readers.asker, answer.usage);
  if (answer.firstTokenMs !== null) ctx.metrics.modelFirstToken.observe(answer.firstTokenMs / 1000);
  log.info('model answered', {
    usage: answer.usage,
    firstTokenMs: answer.firstTokenMs,
    stop: answer.stopReason,
    delivery: readers.delivery,
    streamed: Boolean(streamedNow),
  });
  if (!answer.text.trim())
    throw new LunaError('luna_model_output_invalid', 'model returned an empty answer', { retriable: true });
  const grounding = await groundAnswer(ctx, p, s.thread, { ...s.knowledge, citations: answer.citations });
  const parts = formatParts(ctx, answer.text, answer.stopReason, s.thread, readers, grounding.footer);
  const stored = await ctx.stores.answers.storeAnswer(job.id, {
    parts,
    ...(s.guard ? { held: checkForCustomer(s.guard, parts.join('\n'), s.prompt.canary) } : {}),
    ...(grounding.unsourced ? { unsourced: true } : {}),
  });
  return { stored, streamed: streamedNow, text: answer.text };
}

/**
 * Slack mrkdwn, mention-safe, split into parts. Where the customer reads, no internal handle or owner can be tagged.
 * `footer` (the sources, already mrkdwn) follows the rendered answer, so its links are not rendered twice.
 */
function formatParts(
  ctx: JobContext,
  text: string,
  stopReason: string | null,
  thread: SlackThreadMessage[],
  readers: AnswerReaders,
  footer: string,
): string[] {
  const participants = participantsOf(thread, ctx.identity.botUserId);
  // A cut-off answer says so, instead of ending mid-sentence.
  const markdown =
    stopReason === 'max_tokens'
      ? `${text}\n\n_I reached my length limit here; ask me to continue for the rest._`
      : text;
  const policy = readers.customer
    ? { users: new Set(participants), groups: new Set<string>() }
    : mentionPolicy(ctx.settings, participants);
  const rendered = renderAnswer(
    readers.customer ? markdown : applyHandles(markdown, ctx.settings.workspace.handles),
    policy,
  );
  if (rendered.removed.length) {
    ctx.metrics.mentionsNeutralised.inc(rendered.removed.length);
    ctx.log.warn('neutralised mentions in model output', { removed: rendered.removed });
  }
  return labelParts(splitMessage(footer ? `${rendered.text}\n\n${footer}` : rendered.text, ANSWER_PART_CHARS));
}

/**
 * A stream for this answer in the thread it was asked in: in a channel it is for the person who asked (Slack
 * requires the recipient there). Mentions in it follow the same policy as the final answer.
 */
function openStream(ctx: JobContext, job: LunaJob<'answer'>, thread: SlackThreadMessage[]): AnswerStream | undefined {
  const p = job.data;
  const participants = participantsOf(thread, ctx.identity.botUserId);
  return AnswerStream.open(
    ctx.slack,
    {
      channel: p.channel,
      threadTs: p.threadTs,
      recipient: p.isDirectMessage
        ? undefined
        : { userId: p.userId, teamId: p.userTeam ?? p.teamId ?? ctx.identity.teamId },
    },
    {
      policy: mentionPolicy(ctx.settings, participants),
      onStarted: (ts) => ctx.stores.answers.recordStream(job.id, ts),
      beforeStart: () => job.assertHeld(),
      maxChars: ANSWER_PART_CHARS,
      log: ctx.log.child({ job: job.id, channel: p.channel }),
    },
  );
}
