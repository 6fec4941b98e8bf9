import { requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { tracksRequests } from '../../domain/request-policy.js';
import { firstWordsOf } from '../../domain/requests.js';
import { changeRequest } from '../../slack-api/request-card.js';

/** The customer edited a request's opening message: the card shows its new first words. */
export async function requestEditJob(job: LunaJob<'request-edit'>, ctx: JobContext): Promise<{ outcome: string }> {
  const p = job.data;
  const side = requestSide(ctx);
  if (!tracksRequests(ctx.settings.workspace.requests.channels, p.channel))
    return { outcome: 'requests are off in this channel' };
  const request = await ctx.stores.requests.findByMessage(p.channel, p.ts);
  if (!request || request.messageTs !== p.ts) return { outcome: 'not a request’s opening message' };
  const words = firstWordsOf(p.text);
  const result = await changeRequest(side, request.id, (r) =>
    r.firstWords === words ? r : { ...r, firstWords: words, updatedAt: Date.now() },
  );
  return { outcome: result?.changed ? 'edited' : 'unchanged' };
}
