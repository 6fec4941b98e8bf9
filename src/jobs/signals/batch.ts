import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import type { Account } from '../../domain/accounts.js';
import { NO_AREA, channelOwners } from '../../domain/escalation.js';
import { advocacyNote, signalAlert, type AlertSignal } from '../../render/signal-blocks.js';
import { dmOnce } from '../../slack-api/dm.js';
import { keyOf, readMessages } from '../../slack-api/messages.js';
import { permalinkBuilder } from '../../slack-api/permalinks.js';
import { escalateChurnRisk } from '../../steps/escalation-request.js';
import { classifyParts, StoredResult } from './classify.js';
import { mention } from '../../domain/slack-ids.js';

// Signals: LUNA reads customers' messages in customer channels without being asked (`signals.channels`),
// batches them per account and classifies each batch with one structured call on a small model. A signal
// at or above `signals.threshold` reaches the account's owner privately; a strategic churn risk escalates;
// advocacy goes to the `marketing` handle's people. The customer sees nothing: nothing is posted where
// they read, and no reaction shows.

export async function signalBatchJob(
  job: LunaJob<'signal-batch'>,
  ctx: JobContext,
): Promise<{ messages: number; signals: number; outcome: string }> {
  const { accountId, windowId } = job.data;
  const store = ctx.stores.signals;
  const refs = await store.take(accountId, windowId, job.id);
  if (!refs) return { messages: 0, signals: 0, outcome: 'taken by the other trigger' };
  if (refs.length === 0) {
    ctx.metrics.signalBatches.inc({ outcome: 'empty' });
    return { messages: 0, signals: 0, outcome: 'empty' };
  }
  const log = ctx.log.child({ job: job.id, account: accountId });
  const channel = refs[0]!.channel;
  const account = (await ctx.accounts.forChannel(channel)) ?? { id: accountId, name: 'the customer' };
  const texts = await readMessages(ctx.slack, refs);
  const present = refs.filter((r) => (texts.get(keyOf(r))?.text ?? '').trim() !== '');

  let result = await store.result(accountId, windowId, (v) => StoredResult.parse(v));
  if (!result) {
    // A window that filled faster than its job ran is read in parts of batchMessages: one call per part.
    const size = ctx.settings.workspace.signals.batchMessages;
    const parts = Array.from({ length: Math.ceil(present.length / size) }, (_, i) =>
      present.slice(i * size, (i + 1) * size),
    );
    const results = await classifyParts(ctx, account, parts, texts, log);
    const signals = results.flatMap((r) => r.signals);
    const classified = results.reduce((n, r) => n + r.messages, 0);
    // Messages deleted since they were sent are not waiting for anything; the others the budget stopped.
    const unclassified = present.length - classified;
    ctx.metrics.signalBatches.inc({ outcome: unclassified > 0 ? 'over_budget' : 'classified' });
    if (refs.length > unclassified)
      ctx.metrics.signalMessages.inc({ outcome: 'classified' }, refs.length - unclassified);
    if (unclassified > 0) ctx.metrics.signalMessages.inc({ outcome: 'over_budget' }, unclassified);
    if (classified === 0 && unclassified > 0) {
      await store.finish(accountId, windowId);
      return { messages: refs.length, signals: 0, outcome: 'over_budget' };
    }
    result = { signals };
    await store.storeResult(accountId, windowId, result);
  }

  const threshold = ctx.settings.workspace.signals.threshold;
  const above = result.signals.filter((s) => s.confidence >= threshold && s.messages.length > 0);
  const batchId = `signal-${accountId}-${windowId}`;
  await ctx.stores.accounts.rememberSignals(
    account.id,
    batchId,
    above.map((s) => ({
      at: Number(windowId),
      kind: s.kind,
      confidence: s.confidence,
      channel: s.messages[0]!.channel,
      messages: s.messages.map((m) => m.ts),
      batch: batchId,
    })),
  );
  if (above.length > 0 && (await store.once(accountId, windowId, 'counted')))
    for (const s of above) ctx.metrics.signalsFound.inc({ kind: s.kind });
  if (above.length > 0) await act(ctx, account, batchId, Number(windowId), above, texts);
  await store.finish(accountId, windowId);
  log.info('signal batch classified', { messages: refs.length, signals: result.signals.length, above: above.length });
  return { messages: refs.length, signals: above.length, outcome: 'classified' };
}

/** The owner's alert, the escalation of a strategic churn risk, advocacy to marketing: each once per batch. */
async function act(
  ctx: JobContext,
  account: Account,
  batchId: string,
  openedAt: number,
  signals: StoredResult['signals'],
  texts: Map<string, { text?: string }>,
) {
  const { workspace } = ctx.settings;
  const first = signals[0]!.messages[0]!;
  const link = await permalinkBuilder(ctx.slack, first);
  const escalated = new Map<number, string>();
  for (const [i, s] of signals.entries()) {
    if (s.kind !== 'churn_risk') continue;
    const where = s.messages[0]!;
    const area = await escalateChurnRisk(
      ctx,
      { area: s.area === NO_AREA ? null : s.area, confidence: s.confidence },
      async () => ({
        channel: where.channel,
        threadTs: where.threadTs,
        customerWants: s.summary,
        whyStrategic: `A churn-risk signal in ${account.name}'s own messages (${Math.round(s.confidence * 100)}% confident), in an area a human decides.`,
        decisionNeeded: s.nextStep,
        summary: `Churn-risk signal from ${account.name}'s messages in ${mention(where.channel)}: ${s.summary}`,
        evidence: `${s.summary}\n${(await Promise.all(s.messages.map((m) => link(m)))).join('\n')}`,
        source: 'signal',
        requestedAt: openedAt,
        requestId: `${batchId}-${i}`,
      }),
    );
    if (area) escalated.set(i, area);
  }

  const alerts: AlertSignal[] = [];
  for (const [i, s] of signals.entries()) {
    const quotes = await Promise.all(
      s.messages
        .slice(0, 3)
        .map(async (m) => ({ user: m.user, text: texts.get(keyOf(m))?.text ?? '', link: await link(m) })),
    );
    alerts.push({
      kind: s.kind,
      confidence: s.confidence,
      summary: s.summary,
      nextStep: s.nextStep,
      quotes,
      escalated: escalated.get(i),
    });
  }
  const owners = account.book?.owner ? [account.book.owner] : channelOwners(workspace, first.channel);
  const people = await ctx.directory.expand(owners);
  if (people.size === 0)
    ctx.log.warn(
      'a signal has nobody to go to: no owner in the account book, customerChannels.owners or escalation.fallback',
      { account: account.id },
    );
  const alert = signalAlert({ account: account.name, channel: first.channel, signals: alerts });
  for (const user of people)
    await dmOnce(ctx.slack, user, { jobId: batchId, part: 'alert', since: openedAt, ...alert });

  // Advocacy goes to the people of the `marketing` handle (a user, or a user group's members) by DM.
  const marketing = workspace.handles.marketing;
  const advocacy = alerts.find((s) => s.kind === 'advocacy');
  if (marketing && advocacy) {
    const note = advocacyNote({
      account: account.name,
      channel: first.channel,
      owner: account.book?.owner,
      signal: advocacy,
    });
    for (const user of await ctx.directory.expand([marketing]))
      await dmOnce(ctx.slack, user, { jobId: batchId, part: 'advocacy', since: openedAt, ...note });
  }
}

/** A batch that keeps failing: its messages stay unclassified, which the log says (the customer sees nothing either way). */
export function signalBatchFailed(job: LunaJob<'signal-batch'>, ctx: JobContext, err: unknown): Promise<void> {
  ctx.log.error('a signal batch could not be classified; its messages stay unclassified', { job: job.id, err });
  return Promise.resolve();
}
