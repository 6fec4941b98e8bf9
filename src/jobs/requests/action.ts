import { requestSide } from '../../steps/requests.js';
import { refuse } from '../../slack-api/tell-only.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { assign, resolve, setPriority } from '../../domain/request-lifecycle.js';
import { REQUEST_REFUSAL } from '../../render/request-blocks.js';
import { changeRequest, requestPolicy } from '../../slack-api/request-card.js';

/**
 * A click on a triage card: Take it assigns the request to the clicker, Resolve resolves it (and its thread, as the
 * resolved reaction does: account memory, a CSAT survey), the select sets its priority (and so its due times). Only
 * members of the team may: anyone else is told so privately and nothing changes. A click on anything but the
 * request's own card changes nothing either.
 */
export async function requestActionJob(job: LunaJob<'request-action'>, ctx: JobContext): Promise<{ outcome: string }> {
  const p = job.data;
  const side = requestSide(ctx);
  const request = await ctx.stores.requests.get(p.requestId);
  if (!request) return { outcome: 'no such request' };
  if (request.card?.channel !== p.channel || request.card.ts !== p.messageTs)
    return { outcome: 'not the request’s card' };
  if (await ctx.directory.isExternal(p.userId, p.userTeamId)) {
    await refuse(ctx.slack, ctx.log, { channel: p.channel, user: p.userId }, REQUEST_REFUSAL);
    return { outcome: 'refused: not a member of the team' };
  }
  const at = Date.now();
  const policy = requestPolicy(ctx);
  const result = await changeRequest(side, request.id, (r) => {
    if (p.action === 'take') return assign(r, { assignee: p.userId, via: 'button', at });
    if (p.action === 'resolve') return resolve(r, { by: p.userId, at }, policy);
    return p.priority ? setPriority(r, p.priority, at, policy) : r;
  });
  // Resolving on the card resolves the customer's thread as the resolved reaction does: with csat.enabled, one survey.
  if (result?.changed && result.record.status === 'resolved') {
    await ctx.enqueue('thread-resolved', {
      channel: result.record.channel,
      ts: result.record.threadTs,
      userId: p.userId,
      eventTs: p.actionTs,
    });
  }
  return { outcome: result?.changed ? p.action : 'unchanged' };
}
