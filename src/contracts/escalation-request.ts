import { z } from 'zod';
import type { JobContext } from './job-context.js';
import { JOB_NAMES } from './jobs.js';

/** What any part of LUNA (an answer's assessment, a digest's churn signal) hands to the escalation flow. */
export const EscalationRequest = z.object({
  channel: z.string(),
  threadTs: z.string(),
  /** One of the configured owners' areas (the persona's human-handled list). */
  area: z.string(),
  customerWants: z.string(),
  whyStrategic: z.string(),
  decisionNeeded: z.string(),
  /** Short hand-off: history, risk, what LUNA already said. */
  summary: z.string(),
  /** The new evidence this request adds (appended when the thread+area is already escalated). */
  evidence: z.string(),
  confidence: z.number().min(0).max(1),
  source: z.enum(['answer', 'digest']),
  requestedAt: z.number(),
});
export type EscalationRequest = z.infer<typeof EscalationRequest>;

/**
 * Queues an escalation. The escalate job posts it, or, when this thread and area are already
 * escalated, appends the new evidence to the existing post.
 */
export async function requestEscalation(ctx: Pick<JobContext, 'enqueue'>, req: EscalationRequest, idempotencyKey?: string): Promise<void> {
  // A caller that may run twice (a retried job) passes its own job id, so the request is queued once.
  const key = idempotencyKey ?? `${req.channel}-${req.threadTs}-${slug(req.area)}-${req.requestedAt}`;
  await ctx.enqueue(JOB_NAMES.escalate, EscalationRequest.parse(req), { jobId: `escalate-${key}` });
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
