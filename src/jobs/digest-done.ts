import { LunaError } from '../infra/errors.js';
import { renderDigest } from '../render/digest-blocks.js';
import { partMetadata } from '../slack-api/thread.js';
import type { JobContext, LunaJob } from '../contracts/job-context.js';
import { mentionPolicy } from './mention-policy.js';

/**
 * A Done click: the action is marked once (a second click, by anyone, changes nothing and is not counted
 * again), the digest message is re-rendered from the stored digest to show who marked it, and the
 * feedback integration rate (done / created, per week) gets its numerator.
 */
export async function digestDoneJob(job: LunaJob<'digest-done'>, ctx: JobContext): Promise<{ counted: boolean }> {
  const p = job.data;
  const state = ctx.stores.digests;
  const record = await state.record(p.digestId);
  if (!record) {
    await ctx.slack.chat.postEphemeral({
      channel: p.channel,
      user: p.userId,
      text: 'This digest is too old for me to update; its actions can no longer be marked done.',
    });
    return { counted: false };
  }
  if (p.action >= record.digest.actions.length) {
    throw new LunaError('luna_job_payload_invalid', `digest ${p.digestId} has no action ${p.action}`);
  }
  const counted = await state.markDone(p.digestId, p.action, { user: p.userId, at: Date.now() });
  if (counted) await ctx.stores.stats.incr('action_items_done');

  const policy = mentionPolicy(ctx.settings, record.participants);
  // Two clicks on one message race: each re-reads the marks after its update and updates again if another
  // click landed meanwhile, so the message ends up showing every mark.
  let shown = -1;
  for (let i = 0; i < 3; i++) {
    const done = await state.done(p.digestId);
    if (done.size === shown) break;
    shown = done.size;
    const { parts } = renderDigest(record, done, policy);
    const index = parts.findIndex((part) => part.actions.includes(p.action));
    const part = parts[index]!;
    await ctx.slack.chat.update({
      channel: p.channel,
      ts: p.messageTs,
      text: part.text,
      blocks: part.blocks,
      metadata: partMetadata(record.id, index, { of: parts.length }),
    });
  }
  return { counted };
}

/** After the last attempt, only the person who clicked hears about it. */
export async function digestDoneFailed(job: LunaJob<'digest-done'>, ctx: JobContext): Promise<void> {
  await ctx.slack.chat.postEphemeral({
    channel: job.data.channel,
    user: job.data.userId,
    text: ":warning: Sorry, I couldn't mark that action done. Please click Done again in a minute.",
  });
}
