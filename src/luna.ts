import type Anthropic from '@anthropic-ai/sdk';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { Queue, type Worker } from 'bullmq';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Settings } from './config/load.js';
import { LunaError } from './infra/errors.js';
import { Metrics } from './infra/metrics.js';
import { createHttpServer } from './http/server.js';
import type { JobContext } from './contracts/job-context.js';
import { createAnthropic } from './llm/client.js';
import { ModelGate } from './llm/model-gate.js';
import { cachedPrefix } from './llm/prompt.js';
import { createLogger, toBoltLogger, type Logger } from './infra/log.js';
import { estimateTokens, minCacheableTokens } from './personas/models.js';
import { QUEUE_NAME } from './contracts/jobs.js';
import { createEnqueue } from './queue/producer.js';
import { createStores } from './stores/index.js';
import { syncDigestSchedulers } from './queue/digest-schedulers.js';
import { connectRedis } from './infra/redis.js';
import { ThreadOrder } from './queue/thread-order.js';
import { BACKOFF_TYPE, startWorker } from './queue/worker.js';
import { Accounts } from './slack-api/accounts.js';
import { Directory } from './slack-api/directory.js';
import { reportProblems } from './config/account-book.js';
import { createSlackAdapter, type SlackAdapter } from './slack/app.js';

export interface LunaOptions {
  log?: Logger;
  /** Overrides for every Slack client LUNA makes (tests shorten the retry policy). */
  slackClientOptions?: Partial<WebClientOptions>;
}

export interface Luna {
  port: number;
  metrics: Metrics;
  queue: Queue;
  worker?: Worker;
  /** Stop taking work, let active jobs finish within the grace period, hand back the rest, close. */
  stop(): Promise<void>;
}

/** Wiring only: every piece is built elsewhere. Which pieces run depends on LUNA_ROLE. */
export async function startLuna(settings: Settings, opts: LunaOptions = {}): Promise<Luna> {
  const { env, workspace } = settings;
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const role = env.LUNA_ROLE;
  const prefix = env.LUNA_REDIS_PREFIX;
  const clientOptions: WebClientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    logger: toBoltLogger(log, env.LOG_LEVEL),
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
    ...opts.slackClientOptions,
  };

  const producer = connectRedis(env.REDIS_URL, 'producer');
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
  await queue.waitUntilReady();
  await warnOnEvictingRedis(producer, log);
  const stores = createStores(producer, prefix);
  const threadOrder = new ThreadOrder({ store: stores.threads, queue, log });
  const enqueue = createEnqueue(queue, threadOrder);
  const metrics = new Metrics(() => queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'));

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

  let worker: Worker | undefined;
  let workerRedis: ReturnType<typeof connectRedis> | undefined;
  let gate: ModelGate | undefined;
  if (role !== 'web') {
    const client = new WebClient(env.SLACK_BOT_TOKEN, clientOptions);
    const identity = await whoAmI(client);
    gate = new ModelGate({
      store: stores.modelCalls,
      queue,
      log,
      maxConcurrentCalls: workspace.model.maxConcurrentCalls,
      maxRateLimitDeferrals: workspace.queue.attempts,
    });
    const anthropic: Anthropic = createAnthropic(env.ANTHROPIC_API_KEY!, env.ANTHROPIC_BASE_URL, gate.fetch);
    warnIfUncacheable(settings, log);
    workerRedis = connectRedis(env.REDIS_URL, 'worker');
    const directory = new Directory(client, stores.directory, identity, workspace.customerChannels);
    const book = settings.accountBook;
    if (book) {
      reportProblems(book.current(), book.path, log);
      book.watch(log);
    }
    const accounts = new Accounts(directory, () => book?.current(), workspace.accounts, stores.accounts);
    const ctx: JobContext = { slack: client, anthropic, settings, log, metrics, identity, directory, accounts, stores, enqueue };
    worker = startWorker(workerRedis, prefix, workspace.queue, ctx, { order: threadOrder, gate });
    // Where digests run: a web-only fleet (possibly on another config version) never re-times them.
    await syncDigestSchedulers(queue, workspace.digests, stores.digests, log);
  }

  const server: Server = createHttpServer({
    metrics,
    readiness: [
      { name: 'redis', check: async () => void (await producer.ping()) },
      // Loaded before anything started: ready by construction, listed so /readyz names all it depends on.
      { name: 'config', check: () => Promise.resolve() },
      { name: 'personas', check: () => Promise.resolve() },
    ],
    ...(slack?.requestListener ? { slack: slack.requestListener } : {}),
  });
  await new Promise<void>((resolve) => server.listen(env.PORT, resolve));
  if (slack?.socketMode) await slack.app.start();
  const port = (server.address() as AddressInfo).port;
  log.info('LUNA started', { role, port, mode: settings.socketMode ? 'socket' : 'http', persona: settings.persona.id });

  return {
    port,
    metrics,
    queue,
    ...(worker ? { worker } : {}),
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      if (slack?.socketMode) await slack.app.stop();
      if (worker) await closeWorker(worker, workspace.queue.shutdownGraceSeconds * 1000, log);
      settings.accountBook?.close();
      await gate?.close();
      await queue.close();
      await workerRedis?.quit().catch(() => {});
      await producer.quit().catch(() => {});
    },
  };
}

/** Graceful first; past the grace period, force-close: the active jobs' locks lapse and another worker resumes them. */
async function closeWorker(worker: Worker, graceMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = worker.close().then(() => 'done' as const);
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
  const outcome = await Promise.race([graceful, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    log.warn('active jobs did not finish in the grace period; handing them back to the queue', { graceMs });
    await worker.close(true);
  }
}

async function whoAmI(client: WebClient): Promise<JobContext['identity']> {
  try {
    const me = await client.auth.test();
    return { botUserId: me.user_id ?? '', botId: me.bot_id ?? '', teamId: me.team_id ?? '', ...(me.enterprise_id ? { enterpriseId: me.enterprise_id } : {}) };
  } catch (err) {
    throw new LunaError('luna_slack_failed', `Slack rejected SLACK_BOT_TOKEN (auth.test): ${(err as Error).message}`, { cause: err });
  }
}

/** Caching silently does nothing below the model's minimum prefix; say so at start-up rather than never. */
function warnIfUncacheable(settings: Settings, log: Logger): void {
  const tokens = estimateTokens(cachedPrefix(settings.persona));
  const min = minCacheableTokens(settings.persona.model);
  if (tokens < min) {
    log.warn('persona prefix is below the model’s minimum cacheable length; prompt caching will not apply', {
      persona: settings.persona.id,
      model: settings.persona.model,
      estimatedTokens: tokens,
      minimum: min,
    });
  }
}

/** BullMQ loses jobs if Redis evicts keys under memory pressure. */
async function warnOnEvictingRedis(redis: ReturnType<typeof connectRedis>, log: Logger): Promise<void> {
  try {
    const reply = await redis.config('GET', 'maxmemory-policy');
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      log.warn(`Redis maxmemory-policy is "${policy}"; set it to "noeviction" or queued jobs can be evicted`);
    }
  } catch {
    // Managed Redis often forbids CONFIG; nothing to check then.
  }
}
