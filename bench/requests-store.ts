/**
 * `npm run bench:requests-store`: the customer requests' Redis side at scale, on a redis-server of its own (so
 * memory deltas are LUNA's alone), with BullMQ's Job Scheduler ticking as production will.
 *
 *   npm run bench:requests-store -- --sizes 1000,10000,100000 --due 400
 *
 * Per size (open requests in Redis): bytes per open request and per resolved request (INFO used_memory delta,
 * and the MEMORY USAGE of the keys); the cost of one timer check (the tick's range read) with nothing due; and,
 * with `--due` warnings coming due over 4 s among them, how late each fired (p50 / p99 / max) through the tick
 * and one fire job per timer on a worker in this process.
 */
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RequestsSchema, type Priority } from '../src/config/requests.js';
import type { RequestRecord } from '../src/domain/requests.js';
import { slaPolicy, type RequestTimer } from '../src/domain/request-sla.js';
import { openRequest, resolve, respond } from '../src/domain/request-lifecycle.js';
import { requestTimerJobId, syncRequestTimerScheduler } from '../src/queue/request-timers.js';
import { RequestStore } from '../src/stores/requests.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    due: { type: 'string', default: '400' },
    tick: { type: 'string', default: '1000' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const DUE = Number(values.due);
const TICK_MS = Number(values.tick);

// Urgent requests come due in seconds (first response 8 s, warned at 4 s); the rest are hours and days away.
const POLICY = slaPolicy(
  RequestsSchema.parse({
    hours: undefined,
    sla: { urgent: { firstResponse: '0.1333m', resolution: '1h' } },
    warnAt: 0.5,
  }),
);
const TEXTS = [
  'Hi team, our CSV export fails since this morning with a timeout after about thirty seconds. Could you have a look?',
  'SSO login loops back to the sign-in page for everyone in the EU tenant.',
  'Where can I download last month’s invoice? The billing page shows nothing.',
  'We need more seats for the new support team before Monday, what is the process?',
];
const PRIORITIES: Priority[] = ['high', 'normal', 'normal', 'low'];

function record(i: number, at: number, priority: Priority): RequestRecord {
  return openRequest(
    {
      channel: `C0SHARED${String(i % 200).padStart(3, '0')}`,
      messageTs: `${Math.floor(at / 1000)}.${String(i).padStart(6, '0')}`,
      askerId: `U0CUST${String(i % 5000).padStart(5, '0')}`,
      text: TEXTS[i % TEXTS.length]!,
      at,
      via: 'ai',
      account: {
        id: `t-T0ACCT${i % 200}`,
        name: `Account ${i % 200}`,
        owner: `U0CSM${String(i % 20).padStart(2, '0')}`,
      },
      priority,
    },
    POLICY,
  );
}

async function inBatches<T>(items: readonly T[], size: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

async function keyBytes(redis: Redis): Promise<{ records: number; other: number }> {
  let records = 0;
  let other = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'bench:state:*', 'COUNT', 1000);
    const sizes = await Promise.all(
      keys.map((k) => redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0') as Promise<number>),
    );
    keys.forEach((k, i) => (k.startsWith('bench:state:req:') ? (records += sizes[i]!) : (other += sizes[i]!)));
    cursor = next;
  } while (cursor !== '0');
  return { records, other };
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * xs.length) - 1)] ?? NaN;

async function run(size: number) {
  const server = await startRedisServer((port) => ['--port', String(port)]);
  const redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: null });
  try {
    const store = new RequestStore(redis, 'bench');
    const base = await usedMemory(redis);
    const now = Date.now();
    const records = Array.from({ length: size }, (_, i) =>
      record(i, now - (i % 1000) * 1000, PRIORITIES[i % PRIORITIES.length]!),
    );
    const t = performance.now();
    await inBatches(records, 200, (r) => store.open(r, { groupMs: 0 }));
    const openMs = performance.now() - t;
    const afterOpen = await usedMemory(redis);
    const openKeys = await keyBytes(redis);

    // The tick's read with nothing due: its cost should not depend on how many requests are open.
    const reads: number[] = [];
    for (let i = 0; i < 600; i++) {
      const s = performance.now();
      await store.dueTimers(now - 3_600_000);
      if (i >= 100) reads.push(performance.now() - s); // the first hundred warm the JIT and the connection
    }
    const commands = async () =>
      Number(/cmdstat_zrangebyscore:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await commands();
    await store.dueTimers(now - 3_600_000);
    const perCheck = (await commands()) - before;

    // Warnings coming due over 4 s among them, fired through the Job Scheduler and one job per timer.
    const queue = new Queue('jobs', {
      connection: redis,
      prefix: 'bench',
      defaultJobOptions: { removeOnComplete: { count: 10_000 } },
    });
    const late: number[] = [];
    const start = Date.now();
    const urgent = Array.from({ length: DUE }, (_, i) =>
      record(size + i, start + Math.floor((i / DUE) * 4_000) - 4_000, 'urgent'),
    );
    await inBatches(urgent, 200, (r) => store.open(r, { groupMs: 0 }));
    const worker = new Worker(
      'jobs',
      async (job) => {
        if (job.name === 'request-timers') {
          return store.dispatchDue(
            Date.now(),
            async (timer) => void (await queue.add('request-timer', timer, { jobId: requestTimerJobId(timer) })),
          );
        }
        const timer = job.data as RequestTimer;
        return store.fireOnce(timer, job.id!, () =>
          Promise.resolve(void (timer.kind === 'warn' && late.push(Date.now() - timer.at))),
        );
      },
      { connection: redis, prefix: 'bench', concurrency: 50 },
    );
    await syncRequestTimerScheduler(queue, { enabled: true, jobName: 'request-timers', everyMs: TICK_MS });
    const deadline = Date.now() + 30_000;
    while (late.length < DUE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await worker.close();
    await syncRequestTimerScheduler(queue, { enabled: false, jobName: 'request-timers' });
    await queue.obliterate({ force: true });
    await queue.close();

    // Resolve everything: what a resolved request costs until CLOSED_RETENTION_DAYS have passed.
    const all = [...records, ...urgent];
    const beforeResolve = await usedMemory(redis);
    await inBatches(all, 200, (r) =>
      store.update(r.id, (x) =>
        resolve(respond(x, { by: 'U0CSM00', at: Date.now() }, POLICY), { by: 'U0CSM00', at: Date.now() }, POLICY),
      ),
    );
    const afterResolve = await usedMemory(redis);
    const resolvedKeys = await keyBytes(redis);
    const total = size + DUE;

    console.log(
      [
        `open requests: ${size.toLocaleString('en')}  (opened at ${Math.round(size / (openMs / 1000)).toLocaleString('en')}/s)`,
        `  memory per open request:     ${Math.round((afterOpen - base) / size)} B used_memory · ${Math.round(openKeys.records / size)} B record + ${Math.round(openKeys.other / size)} B indexes and timers (MEMORY USAGE)`,
        `  memory per resolved request: ${Math.round((afterResolve - base) / total)} B used_memory · ${Math.round(resolvedKeys.records / total)} B record + ${Math.round(resolvedKeys.other / total)} B index`,
        `  timer check (nothing due):   p50 ${(pct(reads, 0.5) * 1000).toFixed(0)} µs · p99 ${(pct(reads, 0.99) * 1000).toFixed(0)} µs round trip · ${perCheck} Redis command (ZRANGEBYSCORE … LIMIT)`,
        `  ${late.length}/${DUE} warnings fired; late by p50 ${pct(late, 0.5)} ms · p99 ${pct(late, 0.99)} ms · max ${Math.max(...late)} ms (tick every ${TICK_MS} ms)`,
        `  (resolving freed ${Math.round((beforeResolve - afterResolve) / 1024)} KiB)`,
      ].join('\n'),
    );
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

for (const size of SIZES) await run(size);
