import { Queue } from 'bullmq';
import type { Settings } from '../config/load.js';
import { QUEUE_NAME, type Enqueue } from '../contracts/jobs.js';
import type { Logger } from '../infra/log.js';
import { Metrics } from '../infra/metrics.js';
import { connectRedis, describeTarget, type RedisClient } from '../infra/redis.js';
import { RedisWatch } from '../infra/redis-watch.js';
import { bounded } from '../infra/wait.js';
import { createEnqueue } from '../queue/producer.js';
import { ThreadOrder } from '../queue/thread-order.js';
import { BACKOFF_TYPE } from '../queue/worker.js';
import { createStores, type Stores } from '../stores/index.js';

// Start-up, first phase: the queue. Built at once; its connection reaches Redis in the background.

/**
 * A Redis connection for one purpose (see connectRedis), with the stores and thread order on it. A process
 * that answers has two, because they behave differently while Redis is away:
 * - `producer` fails fast: acks and enqueues, which Slack redelivers or the enqueue rides out within its wait;
 * - `worker` waits as long as Redis takes: jobs, which must not fail half done for a blip.
 */
export interface RedisFor<P extends 'producer' | 'worker'> {
  purpose: P;
  client: RedisClient;
  stores: Stores;
  threadOrder: ThreadOrder;
}

export function storesOn<P extends 'producer' | 'worker'>(
  purpose: P,
  client: RedisClient,
  prefix: string,
  queue: Queue,
  log: Logger,
): RedisFor<P> {
  const stores = createStores(client, prefix);
  return { purpose, client, stores, threadOrder: new ThreadOrder({ store: stores.threads, queue, log }) };
}

/** The queue every role acks into and enqueues through, with this process's view of Redis and its job counts. */
export interface QueueSide {
  /** Reachable or not, for the log and /readyz; every Redis user of this process reports to it. */
  watch: RedisWatch;
  queue: Queue;
  producer: RedisFor<'producer'>;
  /** The one way work is queued. */
  enqueue: Enqueue;
  metrics: Metrics;
}

export function connectQueue(settings: Settings, log: Logger, redisCheckIntervalMs: number): QueueSide {
  const { env, workspace } = settings;
  const watch = new RedisWatch({ where: describeTarget(settings.redis.target), log, intervalMs: redisCheckIntervalMs });
  const client = connectRedis(settings.redis.target, 'producer');
  watch.track(client);
  const queue = new Queue(QUEUE_NAME, {
    connection: client,
    prefix: env.LUNA_REDIS_PREFIX,
    defaultJobOptions: {
      attempts: workspace.queue.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  });
  watch.listen(queue, 'queue');
  const producer = storesOn('producer', client, env.LUNA_REDIS_PREFIX, queue, log);
  const enqueue = createEnqueue(queue, producer.threadOrder, { redis: client, where: watch.where });
  // While Redis is away a scrape shows no job counts instead of hanging.
  const metrics = new Metrics(() =>
    watch.reachable
      ? bounded(queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'), 1_000, {})
      : Promise.resolve({}),
  );
  // Read at scrape time from the store, bounded like the job counts: a Redis away shows the last figure.
  metrics.openRequests = () =>
    watch.reachable ? bounded(producer.stores.requests.openCount(), 1_000, undefined) : Promise.resolve(undefined);
  return { watch, queue, producer, enqueue, metrics };
}
