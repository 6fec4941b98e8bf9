import { LunaError } from '../../infra/errors.js';
import { DONE_REFUSED, DONE_UNTRACKED, renderDigest } from '../../render/digest-blocks.js';
import { partMetadata } from '../../slack-api/thread.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { mentionPolicy } from '../../domain/mention-policy.js';
import { refuse, tellOnly } from '../../slack-api/tell-only.js';

/**
 * A Done click: the action is marked once (a second click, by anyone, changes nothing and is not counted
 * again), the digest message is re-rendered from the stored digest to show who marked it, and the
 * feedback integration rate (done / created, per week) gets its numerator. Only a click on one of the
 * digest's own posted messages counts, and only by the workspace's own people: anything else changes
 * nothing (no mark, no count, no message update).
 */
export async function digestDoneJob(
  job: LunaJob<'digest-done'>,
  ctx: JobContext,
): Promise<{ counted: boolean; refused?: 'elsewhere' | 'external' }> {
  const p = job.data;
  const state = ctx.stores.digests;
  const record = await state.record(p.digestId);
  if (!record) {
    await tellOnly(
      ctx.slack,
      { channel: p.channel, user: p.userId },
      'This digest is too old for me to update; its actions can no longer be marked done.',
    );
    return { counted: false };
  }
  const posted = await state.posted(p.digestId);
  const clicked = [...posted].find(([, m]) => m.channel === p.channel && m.ts === p.messageTs);
  if (!clicked) {
    // Slack only sends a click from the message that holds the button: this one names another digest.
    ctx.log.warn('ignored a Done click that did not come from its digest', {
      digest: p.digestId,
      user: p.userId,
      clicked: { channel: p.channel, ts: p.messageTs },
      parts: posted.size,
    });
    // A digest posted before LUNA recorded where its parts went cannot be checked, so it is not marked either.
    if (posted.size === 0) await refuse(ctx.slack, ctx.log, { channel: p.channel, user: p.userId }, DONE_UNTRACKED);
    return { counted: false, refused: 'elsewhere' };
  }
  if (await ctx.directory.isExternal(p.userId, p.userTeamId)) {
    ctx.log.info('refused a Done click by someone of another organisation', { digest: p.digestId, user: p.userId });
    await refuse(ctx.slack, ctx.log, { channel: p.channel, user: p.userId }, DONE_REFUSED);
    return { counted: false, refused: 'external' };
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
    // The part that holds the action is updated where it was posted, so no other message is ever rewritten.
    const target = posted.get(index);
    if (!target) {
      ctx.log.warn('a digest part is not recorded as posted; its message was not updated', {
        digest: p.digestId,
        part: index,
      });
      break;
    }
    await ctx.slack.chat.update({
      channel: target.channel,
      ts: target.ts,
      text: part.text,
      blocks: part.blocks,
      metadata: partMetadata(record.id, index, { of: parts.length }),
    });
  }
  return { counted };
}

/** After the last attempt, only the person who clicked hears about it. */
export async function digestDoneFailed(job: LunaJob<'digest-done'>, ctx: JobContext): Promise<void> {
  await tellOnly(
    ctx.slack,
    { channel: job.data.channel, user: job.data.userId },
    ":warning: Sorry, I couldn't mark that action done. Please click Done again in a minute.",
  );
}
