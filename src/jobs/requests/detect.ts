import { requestSide } from '../../steps/requests.js';
import { z } from 'zod';
import { PRIORITIES } from '../../config/requests.js';
import { SignalBudget } from '../../steps/signal-budget.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { DETECT_BATCH_MAX, DETECTION_WINDOW_KEY, tsMillis } from '../../domain/request-policy.js';
import { truncate } from '../../domain/text.js';
import { detectionPrompt, detectRequests, type DetectionInput } from '../../llm/request-detect.js';
import { estimateTokens, resolveModel } from '../../personas/models.js';
import { openAndAnnounce } from '../../slack-api/request-card.js';
import type { MessageRef } from '../../stores/signals.js';

/** What a classified window keeps for its retries: the messages read as requests, with the priority read. */
const Detected = z.object({
  /** `read`: the model read it; false for messages past the day's budget. */
  requests: z.array(
    z.object({ channel: z.string(), ts: z.string(), priority: z.enum(PRIORITIES).optional(), read: z.boolean() }),
  ),
  overBudget: z.boolean(),
});
type Detected = z.infer<typeof Detected>;

/**
 * `detection: ai`: a window of candidate customer messages from every requests channel, read in structured calls of
 * up to DETECT_BATCH_MAX messages on the small model (`signals.model`), inside signals' daily token budget. Each
 * message read as a question or problem opens a request (or joins its asker's open one), in the order they were
 * sent. Parts past today's budget open requests without the model (a customer's question left untracked costs more
 * than a remark tracked), and the log says so.
 */
export async function requestDetectJob(
  job: LunaJob<'request-detect'>,
  ctx: JobContext,
): Promise<{ messages: number; opened: number; outcome: string }> {
  const { windowId } = job.data;
  const store = ctx.stores.signals;
  const refs = await store.take(DETECTION_WINDOW_KEY, windowId, job.id);
  if (!refs) return { messages: 0, opened: 0, outcome: 'taken by the other trigger' };
  let detected = await store.result(DETECTION_WINDOW_KEY, windowId, (v) => Detected.parse(v));
  if (!detected) {
    detected = refs.length ? await classify(ctx, refs) : { requests: [], overBudget: false };
    await store.storeResult(DETECTION_WINDOW_KEY, windowId, detected);
  }
  const side = requestSide(ctx);
  let opened = 0;
  for (const d of detected.requests) {
    const ref = refs.find((r) => r.channel === d.channel && r.ts === d.ts);
    if (!ref) continue;
    const result = await openAndAnnounce(
      side,
      {
        channel: ref.channel,
        messageTs: ref.ts,
        threadTs: ref.threadTs,
        askerId: ref.user,
        text: ref.text ?? '',
        at: tsMillis(ref.ts),
        via: d.read ? 'ai' : 'every',
        priority: d.priority,
      },
      { group: true, again: job.attemptsStarted > 1 },
    );
    if (result.outcome === 'opened') opened++;
  }
  await store.finish(DETECTION_WINDOW_KEY, windowId);
  return { messages: refs.length, opened, outcome: detected.overBudget ? 'over_budget' : 'classified' };
}

/** One call per part of DETECT_BATCH_MAX messages, all at once, as many as today's token budget covers (estimated first). */
async function classify(ctx: JobContext, refs: MessageRef[]): Promise<Detected> {
  const signals = ctx.settings.workspace.signals;
  const names = new Map<string, string>();
  for (const channel of new Set(refs.map((r) => r.channel)))
    names.set(channel, (await ctx.accounts.forChannel(channel))?.name ?? 'a customer');
  const parts = Array.from({ length: Math.ceil(refs.length / DETECT_BATCH_MAX) }, (_, i) =>
    refs.slice(i * DETECT_BATCH_MAX, (i + 1) * DETECT_BATCH_MAX),
  );
  const budget = await SignalBudget.today(ctx);
  const inputs = parts.map((part) => ({
    part,
    input: {
      messages: part.map((r, i) => ({
        label: `m${i + 1}`,
        user: r.user,
        account: names.get(r.channel)!,
        text: truncate(r.text ?? '', 1_500),
      })),
    } satisfies DetectionInput,
  }));
  const fitting: typeof inputs = [];
  const over: MessageRef[] = [];
  for (const p of inputs) {
    const estimate = estimateTokens(JSON.stringify(detectionPrompt(p.input))) + 200;
    if (budget.take(estimate)) fitting.push(p);
    else over.push(...p.part);
  }
  if (over.length) {
    ctx.log.warn(
      'signals.dailyTokenBudget is spent for today (UTC); customer messages open requests without the model',
      {
        messages: over.length,
        spent: budget.spentSoFar,
        budget: budget.limit,
      },
    );
  }
  const read = await Promise.all(
    fitting.map(async ({ part, input }) => {
      const out = await detectRequests(ctx.anthropic, {
        model: resolveModel(signals.model).id,
        input,
        timeoutMs: ctx.settings.workspace.model.streamIdleTimeoutSeconds * 2000,
      });
      await budget.spend(out.usage);
      return part.flatMap((r, i) => {
        const label = `m${i + 1}`;
        if (!out.requests.has(label)) return [];
        const priority = out.requests.get(label);
        return [{ channel: r.channel, ts: r.ts, read: true, ...(priority ? { priority } : {}) }];
      });
    }),
  );
  const requests = [...read.flat(), ...over.map((r) => ({ channel: r.channel, ts: r.ts, read: false }))].sort(
    (a, b) => Number(a.ts) - Number(b.ts),
  );
  return { requests, overBudget: over.length > 0 };
}
