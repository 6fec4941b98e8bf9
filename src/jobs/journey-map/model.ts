// The journey-map job's model call: the prompt from the request (and the thread, fitted to its budget), one
// structured call for the map, and an invalid answer made final so the queue does not retry it.
import { JourneyMap } from '../../domain/journey.js';
import { fitThread } from '../../domain/thread-budget.js';
import { LunaError } from '../../infra/errors.js';
import { buildJourneyPrompt } from '../../llm/journey-prompt.js';
import { callStructured } from '../../llm/structured.js';
import type { JourneyMapPayload } from '../../contracts/jobs.js';
import { toThreadMessages, type SlackThreadMessage } from '../../slack-api/thread.js';
import type { JobContext } from '../../contracts/job-context.js';
import { isDirectMessageId, mention } from '../../domain/slack-ids.js';

/** A whole map is a few thousand tokens of JSON; 8 stages with every list full stay well under this. */
const MAX_TOKENS = 8192;
/** Structured calls are not streamed, so the deadline covers the whole answer. */
const MODEL_TIMEOUT_MS = 180_000;

export async function buildMap(
  ctx: JobContext,
  p: JourneyMapPayload,
  thread: SlackThreadMessage[] | undefined,
  external?: ReadonlyMap<string, string>,
) {
  const fitted = thread
    ? fitThread(
        toThreadMessages(thread, ctx.identity.botUserId, ctx.identity.botId),
        ctx.settings.workspace.model.threadTokenBudget,
      )
    : undefined;
  const where = isDirectMessageId(p.channel) ? 'a direct message' : `a thread in channel ${mention(p.channel)}`;
  const prompt = buildJourneyPrompt({
    persona: ctx.settings.persona,
    subject: p.subject,
    ...(fitted ? { thread: { kept: fitted.kept, omitted: fitted.omitted, where, external } } : {}),
  });
  try {
    const { value, usage } = await callStructured(ctx.anthropic, {
      model: ctx.settings.persona.model,
      ...prompt,
      schema: JourneyMap,
      maxTokens: MAX_TOKENS,
      timeoutMs: MODEL_TIMEOUT_MS,
    });
    ctx.metrics.recordUsage(usage);
    return value;
  } catch (err) {
    // One corrective retry already happened inside callStructured; the same request would fail the same way.
    if ((err as LunaError)?.code === 'luna_model_output_invalid') {
      throw new LunaError('luna_model_output_invalid', (err as Error).message, { retriable: false, cause: err });
    }
    throw err;
  }
}
