import { requestFor, requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { withdraw } from '../../domain/request-lifecycle.js';
import { changeRequest } from '../../slack-api/request-card.js';

/** The customer deleted a request's opening message: the request closes as withdrawn, its clocks and buttons gone. */
export async function requestDeleteJob(job: LunaJob<'request-delete'>, ctx: JobContext): Promise<{ outcome: string }> {
  const p = job.data;
  const found = await requestFor(ctx, p, { opening: true, none: 'not a request’s opening message' });
  if (!('request' in found)) return found;
  const result = await changeRequest(requestSide(ctx), found.request.id, (r) => withdraw(r, Date.now()));
  return { outcome: result?.changed ? 'withdrawn' : 'unchanged' };
}
