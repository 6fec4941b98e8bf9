import type { MessageParam, ModelUsage } from '../../llm/client.js';
import { shouldEscalate } from '../../domain/escalation.js';
import type { JobContext } from '../../contracts/job-context.js';
import type { AnswerPayload } from '../../contracts/jobs.js';
import { truncate } from '../../domain/text.js';
import { assessConversation, assessmentSchema, type Assessment } from '../../llm/assess.js';
import { requestEscalation } from '../../steps/escalation-request.js';

/**
 * The escalation half of answering a mention. `start` runs the assessment beside the answer's model
 * call (so it adds no latency unless it is the slower of the two) and stores the result; `finish`,
 * after the answer is posted, escalates when the policy says so. A retried job reuses the stored
 * result and its escalation request has a fixed id, so nothing is assessed or escalated twice.
 */
export class AssessmentStep {
  private result: Promise<Assessment | null> | undefined;

  constructor(
    private readonly ctx: JobContext,
    private readonly jobId: string,
    /** Told what each assessment call cost (an organisation's daily budget counts it). */
    private readonly onUsage?: (usage: ModelUsage) => Promise<void>,
  ) {}

  get enabled(): boolean {
    return (this.ctx.settings.workspace.escalation?.owners.length ?? 0) > 0;
  }

  /** Starts the assessment if none is stored yet. Never rejects: a failure is retried in `finish`. */
  start(messages: MessageParam[]): void {
    if (!this.enabled || this.result) return;
    this.result = this.load().then((stored) => stored ?? this.assess(messages));
    this.result.catch(() => {});
  }

  async finish(
    p: AnswerPayload,
    messages: () => MessageParam[],
    evidence: string,
    answerText: string | undefined,
  ): Promise<Assessment | null> {
    if (!this.enabled) return null;
    let a: Assessment | null;
    try {
      a = await (this.result ?? this.load().then((stored) => stored ?? this.assess(messages())));
    } catch {
      a = await this.assess(messages()); // one more try now; if this throws, the job retries (the answer is not reposted)
    }
    if (!a) return null;
    const threshold = this.ctx.settings.workspace.escalation!.confidenceThreshold;
    const escalate = shouldEscalate(a, threshold);
    this.ctx.metrics.assessments.inc({
      result: a.outOfScope ? 'out_of_scope' : escalate ? 'escalated' : a.strategic ? 'below_threshold' : 'routine',
    });
    if (escalate) {
      await requestEscalation(this.ctx, {
        channel: p.channel,
        threadTs: p.threadTs,
        area: a.area,
        customerWants: a.customerWants,
        whyStrategic: a.rationale,
        decisionNeeded: a.decisionNeeded,
        summary: [`Risk: ${a.risk}`, answerText ? `LUNA answered: ${truncate(answerText, 400)}` : '']
          .filter(Boolean)
          .join('\n'),
        evidence: truncate(evidence, 500),
        confidence: a.confidence,
        source: 'answer',
        requestedAt: Date.now(),
        // The answer job's own id: its retries queue this request once.
        requestId: this.jobId,
      });
    } else {
      await this.ctx.stores.stats.incr('conversations_handled');
    }
    return a;
  }

  /** The stored assessment, if it still fits today's areas (a config change since makes it stale). */
  private async load(): Promise<Assessment | null> {
    const areas = this.ctx.settings.workspace.escalation?.owners.map((o) => o.area) ?? [];
    const stored = assessmentSchema(areas).safeParse(await this.ctx.stores.answers.assessment(this.jobId));
    return stored.success ? stored.data : null;
  }

  private async assess(messages: MessageParam[]): Promise<Assessment | null> {
    const started = performance.now();
    const out = await assessConversation(this.ctx.anthropic, { settings: this.ctx.settings, messages });
    if (!out) return null;
    this.ctx.metrics.recordUsage(out.usage);
    await this.onUsage?.(out.usage);
    this.ctx.log.info('assessed conversation', {
      job: this.jobId,
      ms: Math.round(performance.now() - started),
      usage: out.usage,
      strategic: out.assessment.strategic,
      area: out.assessment.area,
      confidence: out.assessment.confidence,
    });
    await this.ctx.stores.answers.storeAssessment(this.jobId, out.assessment);
    return out.assessment;
  }
}
