import type { Job, Queue } from 'bullmq';
import { AnswerPayload, JOBS, type JobName } from '../contracts/jobs.js';
import type { Logger } from '../infra/log.js';
import type { ThreadOrderStore, ThreadRef } from '../stores/thread-order.js';

/**
 * Mentions in one thread are answered in the order they were sent; different threads run in parallel.
 *
 * At enqueue, each ordered job (`ordered` in the catalogue) is registered in its thread's sorted set,
 * scored by the mention's Slack `ts` (Slack's own send order, so a retried or duplicate delivery is the
 * same member, never a gap). A worker that picks up a job while an earlier mention of the same thread is
 * still queued, active or retrying puts the job back as delayed — `moveToDelayed` does not consume an
 * attempt — and tries again shortly. An earlier job that finished, finally failed or was removed no
 * longer counts (its member is dropped on sight), and no job waits longer than `maxWaitMs` after it was
 * queued, so nothing can block a thread forever.
 */
const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

const ThreadRefSchema = AnswerPayload.pick({ channel: true, threadTs: true, messageTs: true });

export interface ThreadOrderOptions {
  store: ThreadOrderStore;
  queue: Queue;
  log: Logger;
  /** Past this age a job runs even if an earlier one is still pending. @defaultValue 10 minutes */
  maxWaitMs?: number;
  /** First re-check delay; grows with the number of earlier pending jobs. @defaultValue 150 */
  recheckMs?: number;
}

export class ThreadOrder {
  private readonly maxWaitMs: number;
  private readonly recheckMs: number;

  constructor(private readonly o: ThreadOrderOptions) {
    this.maxWaitMs = o.maxWaitMs ?? 10 * 60_000;
    this.recheckMs = o.recheckMs ?? 150;
  }

  /** Called when a job is queued; a no-op for jobs that need no order. */
  async register(name: JobName, jobId: string, payload: unknown): Promise<void> {
    const ref = JOBS[name].ordered ? threadRef(payload) : undefined;
    if (ref) await this.o.store.add(ref, jobId);
  }

  /**
   * True when the job has been put back to wait for an earlier mention of its thread; the worker then
   * throws BullMQ's `DelayedError` so the job is neither completed nor failed.
   */
  async deferIfBehind(job: Job, token: string): Promise<boolean> {
    const spec = JOBS[job.name as JobName] as (typeof JOBS)[JobName] | undefined;
    const ref = spec?.ordered ? threadRef(job.data) : undefined;
    // A thread's parent comes first by definition: nothing to wait for, no Redis round trip.
    if (!ref || ref.messageTs === ref.threadTs) return false;
    const earlier = (await this.o.store.earlier(ref)).filter((id) => id !== job.id);
    if (!earlier.length) return false;
    const states = await Promise.all(earlier.map((id) => this.o.queue.getJobState(id)));
    const done = earlier.filter((_, i) => !PENDING_STATES.has(states[i]!));
    await this.o.store.forget(ref, done);
    const pending = earlier.length - done.length;
    if (!pending) return false;
    if (Date.now() - job.timestamp > this.maxWaitMs) {
      this.o.log.warn('an earlier mention in this thread is still pending; answering out of order', {
        job: job.id,
        pending,
      });
      return false;
    }
    const delay = Math.min(this.recheckMs * pending, 2_000) * (0.8 + Math.random() * 0.4);
    await job.moveToDelayed(Date.now() + Math.round(delay), token);
    return true;
  }
}

function threadRef(payload: unknown): ThreadRef | undefined {
  const p = ThreadRefSchema.safeParse(payload);
  return p.success ? p.data : undefined;
}
