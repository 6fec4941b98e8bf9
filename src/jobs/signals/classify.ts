import { z } from 'zod';
import type { JobContext } from '../../contracts/job-context.js';
import { SIGNAL_KINDS, type Account } from '../../domain/accounts.js';
import { truncate } from '../../domain/text.js';
import { SignalBudget } from '../../steps/signal-budget.js';
import { classifySignals, signalPrompt, type SignalInput } from '../../llm/signals.js';
import { estimateTokens, resolveModel } from '../../personas/models.js';
import { keyOf } from '../../slack-api/messages.js';
import type { MessageRef } from '../../stores/signals.js';

// A batch's classification: its messages in parts that fit the signals' daily token budget, one structured call
// on the small model per part, and the result stored for the batch's retries.

/** What a classified batch stored for its retries: the signals, with message labels resolved to ids. */
export const StoredResult = z.object({
  signals: z.array(
    z.object({
      kind: z.enum(SIGNAL_KINDS),
      confidence: z.number(),
      summary: z.string(),
      nextStep: z.string(),
      area: z.string(),
      messages: z.array(z.object({ channel: z.string(), ts: z.string(), threadTs: z.string(), user: z.string() })),
    }),
  ),
});
export type StoredResult = z.infer<typeof StoredResult>;
/**
 * One model call per part of the batch, all at once, as many parts as today's token budget still covers
 * (estimated before sending; the real usage is added to the day's counter after). Parts past the budget
 * are left out, and say so in the log.
 */
export async function classifyParts(
  ctx: JobContext,
  account: Account,
  parts: MessageRef[][],
  texts: Map<string, { text?: string }>,
  log: JobContext['log'],
): Promise<Array<StoredResult & { messages: number }>> {
  const config = ctx.settings.workspace.signals;
  const budget = await SignalBudget.today(ctx);
  const people = await ctx.directory.people(parts.flat().map((r) => r.user));
  const areas = ctx.settings.workspace.escalation?.owners.map((o) => o.area) ?? [];
  const fitting: Array<{
    refs: MessageRef[];
    labelled: Array<{ label: string; ref: MessageRef }>;
    input: SignalInput;
  }> = [];
  for (const refs of parts) {
    const labelled = refs.map((r, i) => ({ label: `s${i + 1}`, ref: r }));
    const input: SignalInput = {
      account: account.name,
      areas,
      messages: labelled.map(({ label, ref }) => ({
        label,
        user: ref.user,
        organisation: people.get(ref.user)?.organisation?.name ?? account.name,
        text: truncate(texts.get(keyOf(ref))?.text ?? '', 1_500),
        inThread: ref.ts !== ref.threadTs,
      })),
    };
    const estimate = estimateTokens(JSON.stringify(signalPrompt(input))) + 300;
    if (!budget.take(estimate)) {
      log.warn('signals.dailyTokenBudget is spent for today (UTC); messages are left unclassified', {
        spent: budget.spentSoFar,
        estimate,
        budget: budget.limit,
        messages: parts.slice(fitting.length).flat().length,
      });
      break;
    }
    fitting.push({ refs, labelled, input });
  }
  return Promise.all(
    fitting.map(async ({ refs, labelled, input }) => {
      const out = await classifySignals(ctx.anthropic, {
        model: resolveModel(config.model).id,
        input,
        timeoutMs: ctx.settings.workspace.model.streamIdleTimeoutSeconds * 2000,
      });
      await budget.spend(out.usage);
      const byLabel = new Map(labelled.map((l) => [l.label, l.ref]));
      return {
        messages: refs.length,
        signals: out.signals.map((s) => ({
          kind: s.kind,
          confidence: s.confidence,
          summary: s.summary,
          nextStep: s.nextStep,
          area: s.area,
          messages: s.messages.flatMap((l) => (byLabel.has(l) ? [byLabel.get(l)!] : [])).slice(0, 5),
        })),
      };
    }),
  );
}
