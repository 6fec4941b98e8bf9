import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';

// Every metric LUNA exposes, declared in one place (name, help, labels) so /metrics, the Grafana dashboard test and
// the README's list read from one file. Longer than 250 lines because it is a list: one declaration per metric.

/** Everything LUNA exposes on /metrics. One registry per app instance, so tests never share counters. */
/** Tokens one model call used, by kind (the SDK's `usage`, flattened). */
export interface ModelUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** Every token a call was billed for, cached or not: what budgets (signals, organisations) count. */
export function tokensSpent(u: ModelUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheCreation;
}

/** Business time from five minutes to five days (one business day is often 8–9 hours). */
const REQUEST_BUCKETS = [
  300,
  900,
  1800,
  3600,
  2 * 3600,
  4 * 3600,
  8 * 3600,
  16 * 3600,
  24 * 3600,
  48 * 3600,
  72 * 3600,
  120 * 3600,
];

export class Metrics {
  readonly registry = new Registry();

  readonly jobs: Gauge<'state'>;
  readonly jobDuration = new Histogram({
    name: 'luna_job_duration_seconds',
    help: 'Time a worker spent on one job attempt',
    labelNames: ['job', 'outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80],
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'luna_ack_latency_seconds',
    help: 'From a Slack request reaching LUNA to its job being durably queued (the ack follows at once)',
    labelNames: ['surface'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [this.registry],
  });
  readonly modelTokens = new Counter({
    name: 'luna_model_tokens_total',
    help: 'Model tokens by kind: input (uncached), output, cache_read, cache_creation',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly modelFirstToken = new Histogram({
    name: 'luna_model_first_token_seconds',
    help: 'From sending a model request to its first streamed text',
    buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers: [this.registry],
  });
  readonly modelSlotWait = new Histogram({
    name: 'luna_model_slot_wait_seconds',
    help: 'Time a model call waited for a slot of model.maxConcurrentCalls, by class: answer (a person waits; goes first) or background (assessments, signals, digests, journey maps)',
    labelNames: ['class'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly escalations = new Counter({
    name: 'luna_escalations_total',
    help: 'Escalations by outcome: opened, acknowledged, taken, not_strategic (tune the threshold with it), reminded, reassigned',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly assessments = new Counter({
    name: 'luna_assessments_total',
    help: 'Escalation assessments of answered conversations, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly mentionsNeutralised = new Counter({
    name: 'luna_mentions_neutralised_total',
    help: 'Broadcasts or unknown mentions in model output that were made inert',
    registers: [this.registry],
  });
  readonly answers = new Counter({
    name: 'luna_answers_total',
    help: 'Answers by outcome: answered (in a thread), drafted (privately, for review), withheld (held back from a customer channel, sent to its owners), apologised (after the last failed attempt)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly answerFeedback = new Counter({
    name: 'luna_answer_feedback_total',
    help: "Feedback-button votes on LUNA's answers, by value (positive, negative); each person counted once per answer",
    labelNames: ['value'] as const,
    registers: [this.registry],
  });
  readonly customerAnswersWithheld = new Counter({
    name: 'luna_customer_answers_withheld_total',
    help: "Texts held back from a customer channel because they named an internal fact (internal_fact), echoed LUNA's instructions (instructions_echo) or cited no source of the team's knowledge (no_source); the owners got them privately",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly mentionsLimited = new Counter({
    name: 'luna_mentions_limited_total',
    help: 'Mentions answered without a model call because a limit was reached: person_minute, person_day, organisation_tokens (limits: in the config)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly jobsRecovered = new Counter({
    name: 'luna_jobs_recovered_total',
    help: 'Jobs whose worker stopped mid-job (killed, or blocked past its lock) and that another worker picked up again',
    registers: [this.registry],
  });
  readonly unhandledErrors = new Counter({
    name: 'luna_unhandled_errors_total',
    help: 'Failures nothing handled: rejection (logged, LUNA carries on) or exception (logged, the process exits and is started again)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly modelWaits = new Counter({
    name: 'luna_model_outage_waits_total',
    help: 'Jobs put back to wait out an AI-service outage or rate limit, without spending an attempt',
    registers: [this.registry],
  });

  readonly signalBatches = new Counter({
    name: 'luna_signal_batches_total',
    help: 'Batches of customer messages by outcome: classified, over_budget (the daily token budget was spent), empty',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly signalMessages = new Counter({
    name: 'luna_signal_messages_total',
    help: "Customers' messages read for signals, by outcome: classified, over_budget (left unclassified until the next UTC day)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly signalsFound = new Counter({
    name: 'luna_signals_total',
    help: 'Signals at or above signals.threshold, by kind (frustration, churn_risk, expansion_interest, advocacy)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly signalTokens = new Gauge({
    name: 'luna_signals_budget_spent_tokens',
    help: 'Tokens signal classification has spent today (UTC), as this process last saw it; classification stops at signals.dailyTokenBudget',
    registers: [this.registry],
  });
  readonly csatVotes = new Counter({
    name: 'luna_csat_votes_total',
    help: "CSAT survey clicks: counted (a customer's), refused (an internal member's), stale (an older click of the same person)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly csatSurveys = new Counter({
    name: 'luna_csat_surveys_total',
    help: 'CSAT surveys posted in resolved customer threads',
    registers: [this.registry],
  });

  // Customer requests (PRODUCT.md, Customer requests). Times are business seconds: the SLA clock of requests.hours.
  readonly requestsOpened = new Counter({
    name: 'luna_requests_opened_total',
    help: 'Customer requests opened, by how: ai (a small model read a question or problem), every (each top-level customer message), reaction (requestReaction)',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });
  readonly requestsOpen: Gauge;
  /** Where `luna_requests_open` is read at scrape time (the request store's count); unset, it stays 0. */
  openRequests: (() => Promise<number | undefined>) | undefined;
  readonly requestFirstResponse = new Histogram({
    name: 'luna_request_first_response_seconds',
    help: 'Business seconds (requests.hours) from a request opening to the first reply of a person of the team, by priority',
    labelNames: ['priority'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly requestResolution = new Histogram({
    name: 'luna_request_resolution_seconds',
    help: 'Business seconds (requests.hours) a request was open until resolved, the open periods of a reopened one added up, by priority',
    labelNames: ['priority'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly requestBreaches = new Counter({
    name: 'luna_request_sla_breaches_total',
    help: 'SLA targets breached, by target (first_response, resolution); each counted once per request and target',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  // Knowledge (PRODUCT.md, Knowledge).
  readonly knowledgeChunks: Gauge<'source'>;
  /** Where `luna_knowledge_chunks` is read at scrape time (the knowledge store's count per source); unset, nothing is reported. */
  knowledgeChunksBySource: (() => Promise<Record<string, number>>) | undefined;
  readonly knowledgeRetrieval = new Histogram({
    name: 'luna_knowledge_retrieval_seconds',
    help: 'Time to find the passages for one question, catching up with the shared index and embedding the question included',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly knowledgeAnswers = new Counter({
    name: 'luna_knowledge_answers_total',
    help: 'Answers given passages, by whether they cited any: cited, uncited (where the customer reads, an uncited answer goes to the team as a draft)',
    labelNames: ['sources'] as const,
    registers: [this.registry],
  });

  constructor(jobCounts?: () => Promise<Record<string, number>>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'luna_process_' });
    const openRequests = () => this.openRequests?.();
    this.requestsOpen = new Gauge({
      name: 'luna_requests_open',
      help: 'Customer requests open now (open, first-responded or reopened), read from Redis at scrape time',
      registers: [this.registry],
      // Every process reads the same Redis: merged across processes, the figure is one process's, not a sum.
      aggregator: 'max',
      async collect() {
        const n = await openRequests();
        if (n !== undefined) this.set(n);
      },
    });
    const chunksBySource = () => this.knowledgeChunksBySource?.();
    this.knowledgeChunks = new Gauge({
      name: 'luna_knowledge_chunks',
      help: 'Passages in the shared knowledge index, by source as configured (path:…, sitemap:…, requests), read from Redis at scrape time',
      labelNames: ['source'] as const,
      registers: [this.registry],
      // Every process reads the same Redis: merged across processes, the figure is one process's, not a sum.
      aggregator: 'max',
      async collect() {
        const counts = await chunksBySource();
        if (!counts) return;
        this.reset();
        for (const [source, n] of Object.entries(counts)) this.set({ source }, n);
      },
    });
    this.jobs = new Gauge({
      name: 'luna_jobs',
      help: 'Jobs in the queue by state, read from Redis at scrape time (so it covers every worker process)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      // Every process reads the same Redis: merged across processes, the figure is one process's, not a sum.
      aggregator: 'max',
      async collect() {
        if (!jobCounts) return;
        for (const [state, n] of Object.entries(await jobCounts())) this.set({ state }, n);
      },
    });
  }

  /**
   * The text /metrics serves. With `peers` (the worker process of a LUNA_ROLE=all install), their metrics
   * are merged in — counters and histograms summed, `luna_jobs` taken once — so /metrics stays one view.
   */
  async text(): Promise<string> {
    if (!this.peers) return this.registry.metrics();
    const own = await this.registry.getMetricsAsJSON();
    const theirs = await this.peers().catch(() => []);
    return AggregatorRegistry.aggregate([own, ...theirs]).metrics();
  }

  /** Where /metrics finds the other processes of this install (set by the supervisor). */
  peers: (() => Promise<MetricObjectWithValues<MetricValue<string>>[][]>) | undefined;

  recordUsage(u: ModelUsage): void {
    this.modelTokens.inc({ kind: 'input' }, u.input);
    this.modelTokens.inc({ kind: 'output' }, u.output);
    this.modelTokens.inc({ kind: 'cache_read' }, u.cacheRead);
    this.modelTokens.inc({ kind: 'cache_creation' }, u.cacheCreation);
  }
}
