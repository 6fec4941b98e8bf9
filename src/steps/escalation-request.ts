import { EscalationRequest } from '../contracts/jobs.js';
import type { JobContext } from '../contracts/job-context.js';
import { matchArea } from '../domain/digest.js';
import { NO_AREA, shouldEscalate } from '../domain/escalation.js';

/**
 * Queues an escalation. The escalate job posts it, or, when this thread and area are already
 * escalated, appends the new evidence to the existing post. A caller that may run twice (a retried
 * job) passes `requestId`, so the request is queued once.
 */
export async function requestEscalation(ctx: Pick<JobContext, 'enqueue'>, req: EscalationRequest): Promise<void> {
  await ctx.enqueue('escalate', EscalationRequest.parse(req));
}

/**
 * A churn risk (a signal batch's, a digest's) is strategic by nature: matched to a configured area, it escalates when
 * the same policy as answers' says so (`shouldEscalate`, the confidence threshold). Returns the area it went to, or
 * undefined when it does not escalate (no escalation config, not confident enough, an area nobody owns).
 */
export async function escalateChurnRisk(
  ctx: Pick<JobContext, 'enqueue' | 'settings'>,
  risk: { area: string | null; confidence: number },
  request: (
    area: string,
  ) => Promise<Omit<EscalationRequest, 'area' | 'confidence'>> | Omit<EscalationRequest, 'area' | 'confidence'>,
): Promise<string | undefined> {
  const escalation = ctx.settings.workspace.escalation;
  if (!escalation) return undefined;
  const area =
    matchArea(
      risk.area,
      escalation.owners.map((o) => o.area),
    ) ?? NO_AREA;
  if (
    !shouldEscalate(
      { outOfScope: false, strategic: true, area, confidence: risk.confidence },
      escalation.confidenceThreshold,
    )
  )
    return undefined;
  await requestEscalation(ctx, { ...(await request(area)), area, confidence: risk.confidence });
  return area;
}
