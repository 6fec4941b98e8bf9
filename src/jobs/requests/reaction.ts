import { requestFor, requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { tracksRequests, tsMillis } from '../../domain/request-policy.js';
import { assign, resolve, setPriority } from '../../domain/request-lifecycle.js';
import { changeRequest, openAndAnnounce, requestPolicy } from '../../slack-api/request-card.js';

/**
 * A configured reaction on a message in a requests channel. `requestReaction` opens a request for the message,
 * whoever adds it (a customer too); the others are the team's: `assignReaction` takes the message's request,
 * `urgentReaction` makes it urgent, the resolved reaction resolves it. Someone of another organisation adding
 * one of those changes nothing.
 */
export async function requestReactionJob(
  job: LunaJob<'request-reaction'>,
  ctx: JobContext,
): Promise<{ outcome: string; request?: string }> {
  const p = job.data;
  if (p.kind === 'request') {
    if (!tracksRequests(ctx.settings.workspace.requests.channels, p.channel))
      return { outcome: 'requests are off in this channel' };
    return openForReaction(job, ctx);
  }
  const found = await requestFor(ctx, p, { none: 'not a request’s message' });
  if (!('request' in found)) return found;
  const { request } = found;
  const side = requestSide(ctx);
  if (await ctx.directory.isExternal(p.userId))
    return { outcome: 'refused: not a member of the team', request: request.id };
  const at = Math.max(Date.now(), tsMillis(p.eventTs));
  const policy = requestPolicy(ctx);
  const result = await changeRequest(side, request.id, (r) => {
    if (p.kind === 'assign') return assign(r, { assignee: p.userId, via: 'reaction', at });
    if (p.kind === 'urgent') return setPriority(r, 'urgent', at, policy);
    return resolve(r, { by: p.userId, at }, policy);
  });
  return { outcome: result?.changed ? p.kind : 'unchanged', request: request.id };
}

async function openForReaction(
  job: LunaJob<'request-reaction'>,
  ctx: JobContext,
): Promise<{ outcome: string; request?: string }> {
  const p = job.data;
  const side = requestSide(ctx);
  if ((await ctx.directory.audience(p.channel)).kind !== 'customer') return { outcome: 'not a customer channel' };
  const page = await ctx.slack.conversations.history({
    channel: p.channel,
    oldest: p.ts,
    latest: p.ts,
    inclusive: true,
    limit: 1,
  });
  const message = (page.messages ?? []).find((m) => m.ts === p.ts);
  if (!message?.user || message.bot_id) return { outcome: 'no person’s top-level message there' };
  const result = await openAndAnnounce(
    side,
    {
      channel: p.channel,
      messageTs: p.ts,
      threadTs: p.ts,
      askerId: message.user,
      text: message.text ?? '',
      at: tsMillis(p.ts),
      via: 'reaction',
    },
    { group: false, again: job.attemptsStarted > 1 },
  );
  return { outcome: result.outcome, request: result.record.id };
}
