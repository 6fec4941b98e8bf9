import type { WebClientOptions } from '@slack/web-api';
import type { Queue, Worker } from 'bullmq';
import type { Server } from 'node:http';
import { startAnswering, type Answering, type AnsweringDeps } from './answering.js';
import type { Settings } from './config/load.js';
import { LunaError } from './infra/errors.js';
import { createLogger, toBoltLogger, type Logger } from './infra/log.js';
import type { Metrics } from './infra/metrics.js';
import { closeRedis } from './infra/redis.js';
import { bounded, TimeoutError, untilAborted, withTimeout } from './infra/wait.js';
import type { DataLossWatch } from './queue/data-loss.js';
import { createSlackAdapter, type SlackAdapter } from './slack/app.js';
import { readinessChecks, serveHttp, type StartProgress } from './startup/http.js';
import { connectQueue, type QueueSide } from './startup/queue.js';
import { checkRedis, recoverOwnedState } from './startup/redis-ready.js';

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

/** What has started so far: /readyz reads how far start-up is, and stop closes exactly what is there. */
interface Started extends StartProgress {
  dataWatch?: DataLossWatch | undefined;
  answering?: Answering | undefined;
  socketMode?: boolean;
}

/** Starts LUNA and resolves once it is ready (see startLunaListening); a start that fails is stopped and rethrown. */
export async function startLunaReady(settings: Settings, opts: LunaOptions = {}): Promise<Luna> {
  const luna = await startLunaListening(settings, opts);
  try {
    await luna.ready;
  } catch (err) {
    await luna.stop();
    throw err;
  }
  return luna;
}

/**
 * Starts LUNA as docs/architecture.md's "Start-up" tells it, and resolves as soon as the HTTP server listens — /healthz
 * answers, /readyz says what LUNA waits for — whether or not Redis answers yet. `ready` follows once Redis
 * has answered and the role's pieces have started. Wiring only: every piece is built elsewhere; which run
 * depends on LUNA_ROLE.
 */
export async function startLunaListening(settings: Settings, opts: LunaOptions = {}): Promise<Luna> {
  const log = opts.log ?? createLogger(settings.env.LOG_LEVEL);
  const clientOptions = slackClientOptions(settings, log, opts.slackClientOptions);
  const intervalMs = opts.redisCheckIntervalMs ?? 10_000;
  const started: Started = { serving: false };

  const q = connectQueue(settings, log, intervalMs);
  q.metrics.peers = opts.workerChild?.metrics;
  const slack = settings.env.LUNA_ROLE === 'worker' ? undefined : slackAdapter(settings, log, clientOptions, q);
  const { server, port } = await serveHttp(
    settings.env.PORT,
    q,
    readinessChecks(q, started, opts.workerChild),
    slack?.requestListener,
  );
  log.info('HTTP server listening', { role: settings.env.LUNA_ROLE, port });

  const stopped = new AbortController();
  const step = <T>(p: Promise<T>): Promise<T> => untilAborted(p, stopped.signal);
  const recover = () => recoverOwnedState(settings, q, log);
  const ready = (async () => {
    await checkRedis(q, { log, intervalMs, progress: started, recover, step });
    await startRole(settings, { log, clientOptions, q, step }, recover, slack, started);
    started.serving = true;
    // A split LUNA_ROLE=all install is one LUNA to its operator: this (web) process says so; its worker child says less.
    log.info(opts.supervised ? 'worker process started' : 'LUNA started', {
      role: opts.workerChild ? 'all' : settings.env.LUNA_ROLE,
      port,
      mode: settings.socketMode ? 'socket' : 'http',
      persona: settings.persona.id,
      redis: q.watch.where,
    });
  })();
  // Whoever awaits `ready` sees a failure; nobody awaiting it is no crash.
  ready.catch(() => {});

  const closers = closersInOrder(settings, log, { q, server, slack, started, stopped });
  let stopping: Promise<void> | undefined;
  return {
    port,
    metrics: q.metrics,
    queue: q.queue,
    get worker() {
      return started.answering?.worker;
    },
    ready,
    stop() {
      stopping ??= (async () => {
        for (const close of closers) await close();
      })();
      return stopping;
    },
  };
}

/**
 * The role's pieces, once Redis answers. Workers (LUNA_ROLE=all|worker): answering (auth.test, the jobs' own
 * Redis connection, the model gate, the BullMQ worker), then what LUNA owns in Redis is put back once. Socket
 * Mode, where it is on, connects last.
 */
async function startRole(
  settings: Settings,
  deps: Omit<AnsweringDeps, 'settings'>,
  recover: () => Promise<Record<string, number>>,
  slack: SlackAdapter | undefined,
  started: Started,
): Promise<void> {
  if (settings.env.LUNA_ROLE !== 'web') {
    started.answering = await startAnswering({ settings, ...deps });
    const { escalationTimers } = await deps.step(recover());
    if (escalationTimers)
      deps.log.info('put back follow-up timers of open escalations that had none', { escalationTimers });
  }
  if (slack?.socketMode) {
    await deps.step(slack.app.start());
    started.socketMode = true;
  }
}

/**
 * What stop does, in order: end a start-up still waiting; stop watching Redis; stop taking Slack requests;
 * let active jobs finish within the grace period (then hand them back); close the model gate and the queue;
 * close the Redis connections last, the jobs' before the queue's.
 */
function closersInOrder(
  settings: Settings,
  log: Logger,
  o: { q: QueueSide; server: Server; slack: SlackAdapter | undefined; started: Started; stopped: AbortController },
): Array<() => unknown> {
  const { q, server, started } = o;
  const graceMs = settings.workspace.queue.shutdownGraceSeconds * 1000;
  return [
    () => o.stopped.abort(new LunaError('luna_stopped', 'LUNA was stopped while starting')),
    () => q.watch.close(),
    () => started.dataWatch?.stop(),
    () => closeServer(server),
    () => started.socketMode && o.slack?.app.stop(),
    () => started.answering && closeWorker(started.answering.worker, graceMs, log),
    () => settings.accountBook?.close(),
    () => started.answering?.knowledge?.indexer.close(),
    () => started.answering?.gate.close(),
    () => bounded(q.queue.close(), 5_000, undefined),
    () => started.answering && closeRedis(started.answering.jobs.client),
    () => closeRedis(q.producer.client),
  ];
}

function slackClientOptions(
  settings: Settings,
  log: Logger,
  overrides: Partial<WebClientOptions> | undefined,
): WebClientOptions {
  return {
    slackApiUrl: settings.env.SLACK_API_URL,
    logger: toBoltLogger(log, settings.env.LOG_LEVEL),
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
    ...overrides,
  };
}

/** Receives Slack (LUNA_ROLE=web|all): listeners parse, enqueue and ack. */
function slackAdapter(settings: Settings, log: Logger, clientOptions: WebClientOptions, q: QueueSide): SlackAdapter {
  return createSlackAdapter({
    settings,
    log,
    metrics: q.metrics,
    clientOptions,
    enqueue: q.enqueue,
    forgetAudience: (channel) => q.producer.stores.directory.forgetChannel(channel),
  });
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections?.();
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
