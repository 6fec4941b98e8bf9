import { requestFor, requestSide } from '../../steps/requests.js';
import type { JobContext, LunaJob } from '../../contracts/job-context.js';
import { firstWordsOf } from '../../domain/requests.js';
import { changeRequest } from '../../slack-api/request-card.js';

/** The customer edited a request's opening message: the card shows its new first words. */
export async function requestEditJob(job: LunaJob<'request-edit'>, ctx: JobContext): Promise<{ outcome: string }> {
  const p = job.data;
  const found = await requestFor(ctx, p, { opening: true, none: 'not a request’s opening message' });
  if (!('request' in found)) return found;
  const words = firstWordsOf(p.text);
  const result = await changeRequest(requestSide(ctx), found.request.id, (r) =>
    r.firstWords === words ? r : { ...r, firstWords: words, updatedAt: Date.now() },
  );
  return { outcome: result?.changed ? 'edited' : 'unchanged' };
}
