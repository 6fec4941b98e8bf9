import type { Queue } from 'bullmq';
import type { Workspace } from '../config/workspace.js';
import { jobId, type Enqueue } from '../contracts/jobs.js';
import type { EscalationStore } from '../stores/escalations.js';

/**
 * Puts back the follow-up timer (reminder, then fallback) of every escalation that is still open and has
 * none queued — what is left after Redis lost the timers' jobs but not the escalations. Each timer is due
 * when it would have been; one already overdue runs at once. Ids are the catalogue's, so a timer queued
 * meanwhile by its own job is the same job. Returns how many were put back.
 */
export async function restoreEscalationTimers(o: {
  queue: Queue;
  escalations: EscalationStore;
  enqueue: Enqueue;
  escalation: Workspace['escalation'];
  now?: number;
}): Promise<number> {
  if (!o.escalation) return 0;
  const waitMs = o.escalation.acknowledgeWithinMinutes * 60_000;
  const now = o.now ?? Date.now();
  let restored = 0;
  for (const { id, deadline } of await o.escalations.open()) {
    const record = await o.escalations.get(id);
    // Not posted yet: its escalate job queues the first timer. Re-escalated already: nothing follows.
    if (!record || record.status !== 'open' || !record.messageTs || record.fallbackAt) continue;
    const stage = record.remindedAt ? 'fallback' : 'remind';
    const due = stage === 'remind' ? deadline : record.remindedAt! + waitMs;
    if ((await o.queue.getJobState(jobId('escalation-timer', { id, stage }))) !== 'unknown') continue;
    await o.enqueue('escalation-timer', { id, stage }, { delayMs: Math.max(0, due - now) });
    restored++;
  }
  return restored;
}
