import type Anthropic from '@anthropic-ai/sdk';
import type { WebClient } from '@slack/web-api';
import type { Settings } from '../config/load.js';
import type { Logger } from '../infra/log.js';
import type { Metrics } from '../infra/metrics.js';
import type { ChannelAccounts } from '../slack-api/channel-accounts.js';
import type { Directory } from '../slack-api/directory.js';
import type { KnowledgeIndexer } from '../knowledge/indexer.js';
import type { Retriever } from '../knowledge/retriever.js';
import type { KnowledgeStore } from '../stores/knowledge.js';
import type { Stores } from '../stores/index.js';
import type { Enqueue, JobName, JobPayload } from './jobs.js';

/** What every job handler is given: clients for the outside world, its stores, settings, and who LUNA is in Slack. */
export interface JobContext {
  slack: WebClient;
  anthropic: Anthropic;
  settings: Settings;
  log: Logger;
  metrics: Metrics;
  identity: { botUserId: string; botId: string; teamId: string; enterpriseId?: string | undefined };
  /** Who can read a channel, and who is of another organisation (cached Slack look-ups). */
  directory: Directory;
  /** Which account a channel is about (account book, config, Slack Connect organisations). */
  accounts: ChannelAccounts;
  /** Every Redis-backed store, built once per process. */
  stores: Stores;
  /** Jobs queue follow-up work (timers, escalations) the same way adapters do. */
  enqueue: Enqueue;
  /** The team's documents and resolved requests, when `knowledge:` is in use (domain/knowledge.ts knowledgeInUse). */
  knowledge?: Knowledge | undefined;
}

/** Knowledge as jobs use it: passages for a question, the index a resolved request goes into, what is indexed. */
export interface Knowledge {
  retriever: Retriever;
  indexer: KnowledgeIndexer;
  store: KnowledgeStore;
}

/** The job a handler runs: its id and parsed payload, never BullMQ's untyped `data`. */
export interface LunaJob<N extends JobName = JobName> {
  id: string;
  name: N;
  data: JobPayload<N>;
  /** Attempts that failed before this one. */
  attemptsMade: number;
  /** Attempts started, this one included (a worker that died mid-job started one too). */
  attemptsStarted: number;
  /** When the request behind this job reached LUNA (epoch ms): the payload's `receivedAt`, else when it was queued. */
  receivedAt: number;
  /**
   * Throws `luna_job_superseded` when this run no longer holds the job: its lock lapsed (a Redis restart, a
   * blocked process) and the job was, or is about to be, handed to another run. Call it before something a
   * reader sees, so two runs of one job never both post. Renews the lock when it is still held.
   */
  assertHeld(): Promise<void>;
}

/**
 * A job's handler: `run` does the work; `onGiveUp`, after the last attempt or a failure no retry can fix,
 * tells the people waiting (never silence) or, for internal work, logs it.
 */
export interface JobHandler<N extends JobName> {
  run(job: LunaJob<N>, ctx: JobContext): Promise<unknown>;
  onGiveUp(job: LunaJob<N>, ctx: JobContext, err: unknown): Promise<void>;
  /** The job was put back to wait out an AI-service outage; `waitedMs` since the request arrived. */
  onWaiting?(job: LunaJob<N>, ctx: JobContext, waitedMs: number): Promise<void>;
}

/** The worker's dispatch table: one handler per job of the catalogue, or it does not compile. */
export type JobHandlers = { [N in JobName]: JobHandler<N> };
