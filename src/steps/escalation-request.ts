import { EscalationRequest } from '../contracts/jobs.js';
import type { JobContext } from '../contracts/job-context.js';

/**
 * Queues an escalation. The escalate job posts it, or, when this thread and area are already
 * escalated, appends the new evidence to the existing post. A caller that may run twice (a retried
 * job) passes `requestId`, so the request is queued once.
 */
export async function requestEscalation(ctx: Pick<JobContext, 'enqueue'>, req: EscalationRequest): Promise<void> {
  await ctx.enqueue('escalate', EscalationRequest.parse(req));
}
