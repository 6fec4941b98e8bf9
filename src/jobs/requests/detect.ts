import { z } from 'zod';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { PRIORITIES } from '../../config/requests.js';
import { detectionWindowKey, tsMillis } from '../../domain/request-policy.js';
import { truncate } from '../../domain/text.js';
import { tokensSpent } from '../../infra/metrics.js';
import { detectionPrompt, detectRequests, type DetectionInput } from '../../llm/request-detect.js';
import { estimateTokens, resolveModel } from '../../personas/models.js';
import { keyOf, readMessages } from '../../slack-api/messages.js';
import { requestViews } from '../../render/request-views.js';
import { openAndAnnounce } from '../../slack-api/request-card.js';
import { utcDay } from '../../stores/signals.js';

/** What a classified window keeps for its retries: the messages read as requests, with the priority read. */
const Detected = z.object({ requests: z.array(z.object({ ts: z.string(), priority: z.enum(PRIORITIES).optional() })), overBudget: z.boolean() });
type Detected = z.infer<typeof Detected>;

/**
 * `detection: ai`: one channel's window of candidate customer messages, read in one structured call on the small
 * model, inside signals' daily token budget. Each message read as a question or problem opens a request (or joins
 * its asker's open one). When today's budget is spent the window's messages open requests without the model (a
 * customer's question left untracked costs more than a greeting tracked), and the log says so.
 */
export async function requestDetectJob(job: LunaJob<'request-detect'>, ctx: JobContext): Promise<{ messages: number; opened: number; outcome: string }> {
  const { channel, windowId } = job.data;
  const key = detectionWindowKey(channel);
  const store = ctx.stores.signals;
  const refs = await store.take(key, windowId, job.id);
  if (!refs) return { messages: 0, opened: 0, outcome: 'taken by the other trigger' };
  const texts = await readMessages(ctx.slack, refs);
  const present = refs.filter((r) => (texts.get(keyOf(r))?.text ?? '').trim() !== '');
  let detected = await store.result(key, windowId, (v) => Detected.parse(v));
  if (!detected) {
    detected = present.length ? await classify(ctx, channel, present, texts) : { requests: [], overBudget: false };
    await store.storeResult(key, windowId, detected);
  }
  const side = { ...ctx, views: requestViews(ctx.settings.workspace.requests) };
  let opened = 0;
  for (const d of detected.requests) {
    const ref = present.find((r) => r.ts === d.ts);
    if (!ref) continue;
    const result = await openAndAnnounce(
      side,
      {
        channel,
        messageTs: ref.ts,
        threadTs: ref.threadTs,
        askerId: ref.user,
        text: texts.get(keyOf(ref))?.text ?? '',
        at: tsMillis(ref.ts),
        via: detected.overBudget ? 'every' : 'ai',
        priority: d.priority,
      },
      { group: true, again: job.attemptsStarted > 1 },
    );
    if (result.outcome === 'opened') opened++;
  }
  await store.finish(key, windowId);
  return { messages: refs.length, opened, outcome: detected.overBudget ? 'over_budget' : 'classified' };
}

async function classify(ctx: JobContext, channel: string, refs: Array<{ ts: string; user: string }>, texts: Map<string, { text?: string }>): Promise<Detected> {
  const signals = ctx.settings.workspace.signals;
  const account = await ctx.accounts.forChannel(channel);
  const labelled = refs.map((r, i) => ({ label: `m${i + 1}`, ref: r }));
  const input: DetectionInput = {
    account: account?.name ?? 'a customer',
    messages: labelled.map(({ label, ref }) => ({ label, user: ref.user, text: truncate(texts.get(keyOf({ channel, ts: ref.ts }))?.text ?? '', 1_500) })),
  };
  const day = utcDay(Date.now());
  const estimate = estimateTokens(JSON.stringify(detectionPrompt(input))) + 200;
  const spent = await ctx.stores.signals.spent(day);
  if (spent + estimate > signals.dailyTokenBudget) {
    ctx.log.warn('signals.dailyTokenBudget is spent for today (UTC); customer messages open requests without the model', {
      channel,
      messages: refs.length,
      spent,
      budget: signals.dailyTokenBudget,
    });
    return { requests: refs.map((r) => ({ ts: r.ts })), overBudget: true };
  }
  const out = await detectRequests(ctx.anthropic, {
    model: resolveModel(signals.model).id,
    input,
    timeoutMs: ctx.settings.workspace.model.streamIdleTimeoutSeconds * 2000,
  });
  ctx.metrics.recordUsage(out.usage);
  ctx.metrics.signalTokens.set(await ctx.stores.signals.spend(day, tokensSpent(out.usage)));
  return {
    requests: labelled.flatMap(({ label, ref }) =>
      out.requests.has(label) ? [{ ts: ref.ts, ...(out.requests.get(label) ? { priority: out.requests.get(label)! } : {}) }] : [],
    ),
    overBudget: false,
  };
}
