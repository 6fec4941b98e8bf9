import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { RequestTimer } from '../../src/domain/request-sla.js';
import { requestTimerJobId, syncRequestTimerScheduler } from '../../src/queue/request-timers.js';
import { RequestStore } from '../../src/stores/requests.js';
import { timerMember } from '../../src/stores/request-timers.js';

/**
 * A worker process for test/queue/request-timers.test.ts: BullMQ, the request store and the timer scheduler as
 * the wired app will compose them (a tick job that dispatches due timers, a job per timer that fires it once).
 * "Firing" appends `id|target|kind`, the worker's name and the time to a Redis list the test reads. Env: REDIS_URL,
 * TIMERS_PREFIX, WORKER_NAME, TICK_MS.
 */
const prefix = process.env.TIMERS_PREFIX!;
const name = process.env.WORKER_NAME ?? 'worker';
const QUEUE = 'jobs';
const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const store = new RequestStore(connection, prefix);
const queue = new Queue(QUEUE, {
  connection,
  prefix,
  defaultJobOptions: { attempts: 5, backoff: { type: 'fixed', delay: 200 }, removeOnComplete: { count: 5000 } },
});

const worker = new Worker(
  QUEUE,
  async (job) => {
    if (job.name === 'request-timers') {
      return store.dispatchDue(Date.now(), async (t) => {
        await queue.add('request-timer', t, { jobId: requestTimerJobId(t) });
      });
    }
    const t = job.data as RequestTimer;
    return store.fireOnce(t, job.id!, async (_record, { again }) => {
      // As a real post would: a retry of this job first looks for what an earlier attempt may have sent.
      if (
        again &&
        (await connection.lrange(`${prefix}:fired`, 0, -1)).some((line) => line.startsWith(`${timerMember(t)}|`))
      )
        return;
      await connection.rpush(`${prefix}:fired`, `${timerMember(t)}|${name}|${Date.now()}`);
    });
  },
  // A killed worker's job goes to the other within about two seconds.
  { connection, prefix, concurrency: 20, lockDuration: 2_000, stalledInterval: 1_000, maxStalledCount: 10 },
);

await syncRequestTimerScheduler(queue, {
  enabled: true,
  jobName: 'request-timers',
  everyMs: Number(process.env.TICK_MS ?? 250),
});
await worker.waitUntilReady();
console.log(`${name} ready`);

process.on('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
