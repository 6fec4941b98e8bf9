import type Anthropic from '@anthropic-ai/sdk';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { reportProblems } from './config/account-book-file.js';
import type { Settings } from './config/load.js';
import path from 'node:path';
import type { JobContext, Knowledge } from './contracts/job-context.js';
import { knowledgeInUse } from './domain/knowledge.js';
import { requestsOn } from './domain/request-policy.js';
import type { Metrics } from './infra/metrics.js';
import { KnowledgeIndexer } from './knowledge/indexer.js';
import { Retriever } from './knowledge/retriever.js';
import { VoyageEmbedder } from './knowledge/voyage.js';
import { KnowledgeStore } from './stores/knowledge.js';
import { LunaError } from './infra/errors.js';
import type { Logger } from './infra/log.js';
import { connectRedis } from './infra/redis.js';
import { createAnthropic } from './llm/client.js';
import { ModelGate } from './llm/model-gate.js';
import { cachedPrefix } from './llm/prompt.js';
import { estimateTokens, minCacheableTokens } from './personas/models.js';
import { startWorker } from './queue/worker.js';
import { ChannelAccounts } from './slack-api/channel-accounts.js';
import { Directory } from './slack-api/directory.js';
import { storesOn, type QueueSide, type RedisFor } from './startup/queue.js';

/** What the answering half needs from the rest of the wiring (luna.ts). */
export interface AnsweringDeps {
  settings: Settings;
  log: Logger;
  clientOptions: WebClientOptions;
  /** The queue it takes jobs from, the one `enqueue`, metrics and the Redis watch. */
  q: QueueSide;
  /** Awaits a start-up step unless LUNA is stopped first. */
  step: <T>(p: Promise<T>) => Promise<T>;
}

export interface Answering {
  worker: Worker;
  /** Indexes the team's documents (the process holding the lease) until closed; undefined without knowledge. */
  knowledge: Knowledge | undefined;
  /** The jobs' own Redis connection and stores (see RedisFor): it waits for Redis where the queue's fails fast. */
  jobs: RedisFor<'worker'>;
  gate: ModelGate;
}

/**
 * The answering half of LUNA (LUNA_ROLE=all or worker): who LUNA is in Slack, its own Redis connection, the
 * model gate and client, the directory and account book, and the BullMQ worker that runs the job catalogue.
 */
export async function startAnswering(d: AnsweringDeps): Promise<Answering> {
  const { settings, log } = d;
  const { env, workspace } = settings;
  const client = new WebClient(env.SLACK_BOT_TOKEN, d.clientOptions);
  const identity = await d.step(whoAmI(client));
  const jobs = storesOn('worker', connectRedis(settings.redis.target, 'worker'), env.LUNA_REDIS_PREFIX, d.q.queue, log);
  d.q.watch.listen(jobs.client, 'worker-connection');
  const { stores } = jobs;
  const gate = new ModelGate({
    store: stores.modelCalls,
    queue: d.q.queue,
    log,
    maxConcurrentCalls: workspace.model.maxConcurrentCalls,
    probeBaseMs: workspace.model.outageProbeSeconds * 1000,
    // A long outage is probed every 10 s at most: recovered within seconds of the service coming back.
    probeMaxMs: 10_000,
    probeTimeoutMs: (workspace.model.streamIdleTimeoutSeconds + 15) * 1000,
    onSlotWait: (callClass, seconds) => d.q.metrics.modelSlotWait.observe({ class: callClass }, seconds),
  });
  const anthropic: Anthropic = createAnthropic(env.ANTHROPIC_API_KEY!, env.ANTHROPIC_BASE_URL, gate.fetch);
  warnIfUncacheable(settings, log);
  const directory = new Directory(client, stores.directory, identity, workspace.customerChannels);
  const book = settings.accountBook;
  if (book) {
    reportProblems(book.current(), book.path, log);
    book.watch(log);
  }
  const accounts = new ChannelAccounts(directory, () => book?.current(), workspace.accounts, stores.accounts);
  const knowledge = await d.step(startKnowledge(settings, jobs.client as Redis, d.q.metrics, log));
  const ctx: JobContext = {
    slack: client,
    anthropic,
    settings,
    log,
    metrics: d.q.metrics,
    identity,
    directory,
    accounts,
    stores,
    enqueue: d.q.enqueue,
    knowledge,
  };
  // startWorker is typed for a single Redis; BullMQ takes a Cluster just the same.
  const worker = startWorker(jobs.client as Redis, env.LUNA_REDIS_PREFIX, workspace.queue, ctx, {
    order: jobs.threadOrder,
    gate,
  });
  // worker.ts logs every worker error; during an outage that is one per reconnect attempt, so the rate-limited watch takes over.
  worker.removeAllListeners('error');
  d.q.watch.listen(worker, 'worker');
  return { worker, jobs, gate, knowledge };
}

/**
 * Knowledge, when in use: the shared index in Redis, this process's retriever over it, and an indexer that competes
 * for the lease (the holder reads the folders and sitemaps; every process can put a resolved request).
 */
async function startKnowledge(
  settings: Settings,
  redis: Redis,
  metrics: Metrics,
  log: Logger,
): Promise<Knowledge | undefined> {
  const { env, workspace } = settings;
  if (!knowledgeInUse(workspace.knowledge, requestsOn(workspace.requests))) return undefined;
  const store = new KnowledgeStore(redis, env.LUNA_REDIS_PREFIX);
  const embedder = env.VOYAGE_API_KEY
    ? new VoyageEmbedder({
        apiKey: env.VOYAGE_API_KEY,
        ...(env.VOYAGE_BASE_URL ? { baseUrl: env.VOYAGE_BASE_URL } : {}),
      })
    : undefined;
  const baseDir = settings.configPath ? path.dirname(settings.configPath) : process.cwd();
  const indexer = new KnowledgeIndexer({ store, config: workspace.knowledge, baseDir, embedder, log });
  const retriever = new Retriever({ store, embedder, log, observe: (s) => metrics.knowledgeRetrieval.observe(s) });
  metrics.knowledgeChunksBySource = () => store.chunksPerOrigin();
  await indexer.start();
  return { retriever, indexer, store };
}

async function whoAmI(client: WebClient): Promise<JobContext['identity']> {
  try {
    const me = await client.auth.test();
    return {
      botUserId: me.user_id ?? '',
      botId: me.bot_id ?? '',
      teamId: me.team_id ?? '',
      ...(me.enterprise_id ? { enterpriseId: me.enterprise_id } : {}),
    };
  } catch (err) {
    throw new LunaError('luna_slack_failed', `Slack rejected SLACK_BOT_TOKEN (auth.test): ${(err as Error).message}`, {
      cause: err,
    });
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
