import type { Queue } from 'bullmq';
import { JOBS, jobId, type Enqueue } from '../contracts/jobs.js';
import { LunaError } from '../infra/errors.js';
import type { ThreadOrder } from './thread-order.js';

/**
 * The one way work is queued, by adapters and jobs alike. The payload is checked against its schema
 * here too, so a payload that could never run is refused at the door instead of failing in a worker;
 * the id comes from the catalogue, so a retried delivery is the same job.
 */
export function createEnqueue(queue: Queue, order: ThreadOrder): Enqueue {
  return async (name, payload, opts = {}) => {
    const parsed = JOBS[name].payload.safeParse(payload);
    if (!parsed.success) {
      throw new LunaError('luna_job_payload_invalid', `refused to queue a "${name}" job: ${parsed.error.issues[0]?.message ?? 'invalid payload'}`);
    }
    const id = jobId(name, payload);
    await Promise.all([queue.add(name, parsed.data, { jobId: id, ...(opts.delayMs ? { delay: opts.delayMs } : {}) }), order.register(name, id, parsed.data)]);
  };
}
