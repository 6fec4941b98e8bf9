import { requestFor, requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { isPleasantry } from '../../domain/pleasantry.js';
import { tsMillis } from '../../domain/request-policy.js';
import { reopen, respond } from '../../domain/request-lifecycle.js';
import { changeRequest, requestPolicy } from '../../slack-api/request-card.js';

/**
 * A person's reply in a thread of a requests channel. In a request's thread, the first reply by a person of the
 * team is its first response (the listener has left out bots, LUNA included); a customer writing again reopens a
 * resolved request, unless all they wrote is thanks or an acknowledgement. Either way the card follows.
 */
export async function requestReplyJob(
  job: LunaJob<'request-reply'>,
  ctx: JobContext,
): Promise<{ outcome: string; request?: string }> {
  const p = job.data;
  const found = await requestFor(ctx, { channel: p.channel, ts: p.threadTs }, { none: 'not a request’s thread' });
  if (!('request' in found)) return found;
  const { request } = found;
  const side = requestSide(ctx);
  const policy = requestPolicy(ctx);
  const at = tsMillis(p.ts);
  const team = !(await ctx.directory.isExternal(p.userId, p.userTeam));
  if (!team && isPleasantry(p.text)) return { outcome: 'the customer’s thanks', request: request.id };
  const result = await changeRequest(side, request.id, (r) =>
    team ? respond(r, { by: p.userId, at }, policy) : reopen(r, at, policy),
  );
  if (!result?.changed)
    return {
      outcome: team ? 'a later reply of the team' : 'the customer wrote in an open request',
      request: request.id,
    };
  return { outcome: team ? 'first response' : 'reopened', request: request.id };
}
