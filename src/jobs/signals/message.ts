import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { readsSignals } from '../../domain/accounts.js';

// Signals: LUNA reads customers' messages in customer channels without being asked (`signals.channels`),
// batches them per account and classifies each batch with one structured call on a small model. A signal
// at or above `signals.threshold` reaches the account's owner privately; a strategic churn risk escalates;
// advocacy goes to the `marketing` handle's people. The customer sees nothing: nothing is posted where
// they read, and no reaction shows.

/** One customer message: kept (by id) in its account's window, whose timer (or size) triggers the batch. */
export async function signalMessageJob(
  job: LunaJob<'signal-message'>,
  ctx: JobContext,
): Promise<{ queued: boolean; why?: string }> {
  const p = job.data;
  const config = ctx.settings.workspace.signals;
  if (!readsSignals(config.channels, p.channel)) return { queued: false, why: 'signals are off in this channel' };
  const audience = await ctx.directory.audience(p.channel);
  if (audience.kind !== 'customer') return { queued: false, why: 'not a customer channel' };
  if (!(await ctx.directory.isExternal(p.userId, p.userTeam))) return { queued: false, why: 'an internal member' };
  const account = await ctx.accounts.forChannel(p.channel);
  if (!account) return { queued: false, why: 'no account for this channel' };

  const now = Date.now();
  const { windowId, size } = await ctx.stores.signals.add(
    account.id,
    { channel: p.channel, ts: p.ts, threadTs: p.threadTs, user: p.userId },
    now,
  );
  // Every message re-queues its window's timer: the id is fixed, so only the first counts, and a crash
  // between opening the window and queueing its timer cannot leave a window without one.
  const due = Number(windowId) + config.batchMinutes * 60_000 - now;
  await ctx.enqueue(
    'signal-batch',
    { accountId: account.id, windowId, trigger: 'timer' },
    { delayMs: Math.max(0, Math.round(due)) },
  );
  if (size >= config.batchMessages)
    await ctx.enqueue('signal-batch', { accountId: account.id, windowId, trigger: 'full' });
  return { queued: true };
}
