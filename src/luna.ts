import type { WebClientOptions } from '@slack/web-api';
import { Queue, type Worker } from 'bullmq';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Settings } from './config/load.js';
import { LunaError } from './infra/errors.js';
import { Metrics } from './infra/metrics.js';
import { createHttpServer } from './http/server.js';
import type { ModelGate } from './llm/model-gate.js';
import { createLogger, toBoltLogger, type Logger } from './infra/log.js';
import { bounded, TimeoutError, untilAborted, withTimeout } from './infra/wait.js';
import { QUEUE_NAME } from './contracts/jobs.js';
import { createEnqueue } from './queue/producer.js';
import { createStores } from './stores/index.js';
import { syncDigestSchedulers } from './queue/digest-schedulers.js';
import { closeRedis, connectRedis, describeTarget, type RedisClient } from './infra/redis.js';
import { checkPersistence, reportPersistence, warnOnEvictingRedis, type Persistence } from './infra/redis-checks.js';
import { RedisWatch } from './infra/redis-watch.js';
import { DataLossWatch } from './queue/data-loss.js';
import { restoreEscalationTimers } from './queue/escalation-timers.js';
import { BACKOFF_TYPE } from './queue/worker.js';
import { startAnswering } from './answering.js';
import { ThreadOrder } from './queue/thread-order.js';
import { createSlackAdapter, type SlackAdapter } from './slack/app.js';

export interface LunaOptions {
  log?: Logger;
  /** Overrides for every Slack client LUNA makes (tests shorten the retry policy). */
  slackClientOptions?: Partial<WebClientOptions>;
  /** How often a Redis outage is reported and the data-loss marker is checked. @defaultValue 10 s */
  redisCheckIntervalMs?: number;
  /** The supervised worker process of a split LUNA_ROLE=all: its metrics join /metrics, its state /readyz. */
  workerChild?: { metrics: NonNullable<Metrics['peers']>; ready: () => Promise<void> };
  /** This is that worker process (started by a supervisor). */
  supervised?: boolean;
}

export interface Luna {
  port: number;
  metrics: Metrics;
  queue: Queue;
  /** Set once the worker runs (LUNA_ROLE=all|worker, after Redis answered). */
  worker?: Worker;
  /** Resolves once LUNA serves (Redis answered, the role's pieces started); rejects if they cannot start. */
  ready: Promise<void>;
  /** Stop taking work, let active jobs finish within the grace period, hand back the rest, close. */
  stop(): Promise<void>;
}

/** Starts LUNA and resolves once it serves (see launchLuna); a start that fails is stopped and rethrown. */
export async function startLuna(settings: Settings, opts: LunaOptions = {}): Promise<Luna> {
  const luna = await launchLuna(settings, opts);
  try {
    await luna.ready;
  } catch (err) {
    await luna.stop();
    throw err;
  }
  return luna;
}

/**
 * Wiring only: every piece is built elsewhere. Which pieces run depends on LUNA_ROLE.
 *
 * Resolves as soon as the HTTP server listens — /healthz answers, /readyz says what LUNA waits for —
 * whether or not Redis answers yet. `ready` follows when Redis answers and the role's pieces have started
 * (auth.test, the worker, digest schedulers, Socket Mode).
 */
export async function launchLuna(settings: Settings, opts: LunaOptions = {}): Promise<Luna> {
  const { env, workspace } = settings;
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const role = env.LUNA_ROLE;
  const prefix = env.LUNA_REDIS_PREFIX;
  const target = settings.redis.target;
  const where = describeTarget(target);
  const intervalMs = opts.redisCheckIntervalMs ?? 10_000;
  const clientOptions: WebClientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    logger: toBoltLogger(log, env.LOG_LEVEL),
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
    ...opts.slackClientOptions,
  };

  const watch = new RedisWatch({ where, log, intervalMs });
  const producer = connectRedis(target, 'producer');
  watch.track(producer);
  const queue = new Queue(QUEUE_NAME, {
    connection: producer,
    prefix,
    defaultJobOptions: {
      attempts: workspace.queue.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  });
  watch.listen(queue, 'queue');
  const stores = createStores(producer, prefix);
  const threadOrder = new ThreadOrder({ store: stores.threads, queue, log });
  const enqueue = createEnqueue(queue, threadOrder, { redis: producer, where });
  // While Redis is away a scrape shows no job counts instead of hanging.
  const metrics = new Metrics(() =>
    watch.reachable ? bounded(queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'), 1_000, {}) : Promise.resolve({}),
  );

  metrics.peers = opts.workerChild?.metrics;

  let slack: SlackAdapter | undefined;
  if (role !== 'worker') {
    slack = createSlackAdapter({
      settings,
      log,
      metrics,
      clientOptions,
      enqueue,
      forgetAudience: (channel) => stores.directory.forgetChannel(channel),
    });
  }

  let serving = false;
  let persistence: Persistence | undefined;
  const server: Server = createHttpServer({
    metrics,
    readiness: [
      {
        name: 'redis',
        check: async () => {
          if (!watch.reachable) throw new Error(watch.problem());
          await producer.ping().catch((err: Error) => Promise.reject(new Error(`unreachable at ${where} (${err.message})`)));
          if (!serving) throw new Error(`answers at ${where}; LUNA is still starting`);
        },
      },
      // Loaded before anything started: ready by construction, listed so /readyz names all it depends on.
      { name: 'config', check: () => Promise.resolve() },
      { name: 'personas', check: () => Promise.resolve() },
      ...(opts.workerChild ? [{ name: 'worker-process', check: opts.workerChild.ready }] : []),
      // A note, never a reason to be unready: what a Redis restart would cost.
      { name: 'redis-persistence', check: () => Promise.resolve(persistence?.detail ?? 'not checked yet') },
    ],
    ...(slack?.requestListener ? { slack: slack.requestListener } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.PORT, () => (server.off('error', reject), resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  log.info('HTTP server listening', { role, port });

  const aborted = new AbortController();
  const step = <T>(p: Promise<T>): Promise<T> => untilAborted(p, aborted.signal);
  let worker: Worker | undefined;
  let workerRedis: RedisClient | undefined;
  let gate: ModelGate | undefined;
  let dataWatch: DataLossWatch | undefined;
  let socketStarted = false;

  /** What LUNA itself owns in Redis and can put back after Redis lost it; only processes that run workers do. */
  const recover = async (): Promise<Record<string, number>> => {
    if (role === 'web') return {};
    await syncDigestSchedulers(queue, workspace.digests, stores.digests, log);
    const escalationTimers = await restoreEscalationTimers({ queue, escalations: stores.escalations, enqueue, escalation: workspace.escalation });
    return { digestSchedules: workspace.digests.length, escalationTimers };
  };

  const ready = (async () => {
    await step(queue.waitUntilReady());
    await step(warnOnEvictingRedis(producer, log));
    persistence = await step(checkPersistence(producer));
    reportPersistence(persistence, where, log);
    dataWatch = new DataLossWatch({ marker: stores.marker, log, where, recover, intervalMs });
    await step(dataWatch.start());
    watch.onReachable((again) => {
      if (!again) return;
      // Back after an outage: was it a restart that kept nothing, and does it keep anything now?
      void dataWatch?.check();
      void checkPersistence(producer).then(
        (p) => {
          if (p.kind !== persistence?.kind) reportPersistence(p, where, log);
          persistence = p;
        },
        () => {},
      );
    });

    if (role !== 'web') {
      const answering = await startAnswering({ settings, log, metrics, clientOptions, target, prefix, queue, enqueue, watch, step });
      ({ worker, workerRedis, gate } = answering);
      // Where digests run: a web-only fleet (possibly on another config version) never re-times them.
      await step(syncDigestSchedulers(queue, workspace.digests, stores.digests, log));
      const restored = await step(restoreEscalationTimers({ queue, escalations: stores.escalations, enqueue, escalation: workspace.escalation }));
      if (restored) log.info('put back follow-up timers of open escalations that had none', { escalationTimers: restored });
    }
    if (slack?.socketMode) {
      await step(slack.app.start());
      socketStarted = true;
    }
    serving = true;
    // A split LUNA_ROLE=all install is one LUNA to its operator: this (web) process says so; its worker child says less.
    log.info(opts.supervised ? 'worker process started' : 'LUNA started', {
      role: opts.workerChild ? 'all' : role,
      port,
      mode: settings.socketMode ? 'socket' : 'http',
      persona: settings.persona.id,
      redis: where,
    });
  })();
  // Whoever awaits `ready` sees a failure; nobody awaiting it is no crash.
  ready.catch(() => {});

  let stopping: Promise<void> | undefined;
  return {
    port,
    metrics,
    queue,
    get worker() {
      return worker;
    },
    ready,
    stop() {
      stopping ??= (async () => {
        aborted.abort(new LunaError('luna_stopped', 'LUNA was stopped while starting'));
        watch.close();
        dataWatch?.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections?.();
        if (socketStarted) await slack?.app.stop();
        if (worker) await closeWorker(worker, workspace.queue.shutdownGraceSeconds * 1000, log);
        settings.accountBook?.close();
        await gate?.close();
        await bounded(queue.close(), 5_000, undefined);
        if (workerRedis) await closeRedis(workerRedis);
        await closeRedis(producer);
      })();
      return stopping;
    },
  };
}

/** Graceful first; past the grace period, force-close: the active jobs' locks lapse and another worker resumes them. */
async function closeWorker(worker: Worker, graceMs: number, log: Logger): Promise<void> {
  try {
    await withTimeout(worker.close(), graceMs);
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    log.warn('active jobs did not finish in the grace period; handing them back to the queue', { graceMs });
    await bounded(worker.close(true), 5_000, undefined);
  }
}
