import { requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { tracksRequests } from '../../domain/request-policy.js';
import { withdraw } from '../../domain/request-lifecycle.js';
import { changeRequest } from '../../slack-api/request-card.js';

/** The customer deleted a request's opening message: the request closes as withdrawn, its clocks and buttons gone. */
export async function requestDeleteJob(job: LunaJob<'request-delete'>, ctx: JobContext): Promise<{ outcome: string }> {
  const p = job.data;
  const side = requestSide(ctx);
  if (!tracksRequests(ctx.settings.workspace.requests.channels, p.channel))
    return { outcome: 'requests are off in this channel' };
  const request = await ctx.stores.requests.findByMessage(p.channel, p.ts);
  if (!request || request.messageTs !== p.ts) return { outcome: 'not a request’s opening message' };
  const result = await changeRequest(side, request.id, (r) => withdraw(r, Date.now()));
  return { outcome: result?.changed ? 'withdrawn' : 'unchanged' };
}
