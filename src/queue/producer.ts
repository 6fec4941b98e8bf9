import type { Queue } from 'bullmq';
import { parsePayload, type Enqueue } from '../contracts/jobs.js';
import { LunaError } from '../infra/errors.js';
import { ACK_WAIT_MS, isConnectionError, whenReady, type RedisClient } from '../infra/redis.js';
import { sleep, withTimeout } from '../infra/wait.js';
import type { ThreadOrder } from './thread-order.js';

export interface EnqueueOptions {
  /** The connection the queue writes through; the add waits for it to come back when it is lost. */
  redis: RedisClient;
  /** Where Redis is, for the error Slack's 500 is logged with. */
  where: string;
  /** How long an add waits for a lost connection before it fails. @defaultValue ACK_WAIT_MS (2 s) */
  waitMs?: number;
}

/**
 * The one way work is queued, by adapters and jobs alike. The payload is checked against its schema
 * here too, so a payload that could never run is refused at the door instead of failing in a worker;
 * the id comes from the catalogue, so a retried delivery is the same job.
 *
 * A Redis blip does not fail the add at once: it waits up to `waitMs` for the connection to come back
 * and adds again (the same id, so an add that did reach Redis before the connection broke stays one
 * job). A sub-2-second outage costs Slack no 500 and no redelivery; a longer one gets the 500 within
 * Slack's 3 s, and Slack delivers the event again later.
 */
export function createEnqueue(queue: Queue, order: ThreadOrder, o: EnqueueOptions): Enqueue {
  const waitMs = o.waitMs ?? ACK_WAIT_MS;
  return async (name, payload, opts = {}) => {
    const { data, id } = parsePayload(name, payload);
    const add = () =>
      Promise.all([
        queue.add(name, data, { jobId: id, ...(opts.delayMs ? { delay: opts.delayMs } : {}) }),
        order.register(name, id, data),
      ]);
    await riding(add, o.redis, Date.now() + waitMs, o.where);
  };
}

/** Runs `attempt` until it succeeds, fails for a reason other than the connection, or the deadline passes. */
async function riding<T>(attempt: () => Promise<T>, redis: RedisClient, deadline: number, where: string): Promise<T> {
  for (;;) {
    try {
      const late = () =>
        new LunaError('luna_redis_unavailable', `Redis at ${where} did not take the job within the wait`, {
          retriable: true,
        });
      return await withTimeout(attempt(), deadline - Date.now(), late);
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      const left = deadline - Date.now();
      // Ready already (the error was the old socket's): a short pause, so a flapping link is not hammered.
      if (left > 0 && redis.status === 'ready') await sleep(Math.min(50, left));
      else if (left <= 0 || !(await whenReady(redis, left))) throw unavailable(where, err);
    }
  }
}

function unavailable(where: string, err: unknown): LunaError {
  if (err instanceof LunaError && err.code === 'luna_redis_unavailable') return err;
  const why = err instanceof Error ? err.message : String(err);
  return new LunaError('luna_redis_unavailable', `Redis at ${where} is unreachable, so nothing was queued (${why})`, {
    retriable: true,
    cause: err,
  });
}
