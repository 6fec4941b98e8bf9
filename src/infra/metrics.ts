import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Everything LUNA exposes on /metrics. One registry per app instance, so tests never share counters. */
/** Tokens one model call used, by kind (the SDK's `usage`, flattened). */
export interface ModelUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

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
    help: 'Answers by outcome: answered (in a thread), drafted (privately, for review), apologised (after the last failed attempt)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly answerFeedback = new Counter({
    name: 'luna_answer_feedback_total',
    help: "Feedback-button votes on LUNA's answers, by value (positive, negative); each person counted once per answer",
    labelNames: ['value'] as const,
    registers: [this.registry],
  });
  readonly jobsRecovered = new Counter({
    name: 'luna_jobs_recovered_total',
    help: 'Jobs whose worker stopped mid-job (killed, or blocked past its lock) and that another worker picked up again',
    registers: [this.registry],
  });
  readonly modelWaits = new Counter({
    name: 'luna_model_outage_waits_total',
    help: 'Jobs put back to wait out an AI-service outage or rate limit, without spending an attempt',
    registers: [this.registry],
  });

  constructor(jobCounts?: () => Promise<Record<string, number>>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'luna_process_' });
    this.jobs = new Gauge({
      name: 'luna_jobs',
      help: 'Jobs in the queue by state, read from Redis at scrape time (so it covers every worker process)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        if (!jobCounts) return;
        for (const [state, n] of Object.entries(await jobCounts())) this.set({ state }, n);
      },
    });
  }

  recordUsage(u: ModelUsage): void {
    this.modelTokens.inc({ kind: 'input' }, u.input);
    this.modelTokens.inc({ kind: 'output' }, u.output);
    this.modelTokens.inc({ kind: 'cache_read' }, u.cacheRead);
    this.modelTokens.inc({ kind: 'cache_creation' }, u.cacheCreation);
  }
}
