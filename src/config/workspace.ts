import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { isClaudeModel } from '../personas/models.js';
import { channelChoice, channelId, emojiName, timezone, userOrGroupId } from './fields.js';
import { KnowledgeSchema } from './knowledge.js';
import { RequestsSchema } from './requests.js';

/**
 * `luna.config.yml`: what a workspace admin configures. PRODUCT.md is the contract for `persona`,
 * `escalation`, `handles`, `digests`, `customerChannels`, `accounts`, `signals`, `csat`, `limits`, `requests` and `knowledge`; `model` and `queue` are operator tuning with safe defaults.
 */
const cron = z.string().refine((expr) => {
  try {
    CronExpressionParser.parse(expr);
    return true;
  } catch {
    return false;
  }
}, 'must be a cron expression such as "0 9 * * MON"');

const seconds = (def: number, max: number) => z.number().positive().max(max).default(def);

export const WorkspaceSchema = z
  .object({
    persona: z
      .string()
      .regex(/^[\w.-]+$/, 'must be a persona file name without .md')
      .default('luna'),
    escalation: z
      .object({
        channel: channelId,
        owners: z
          .array(z.object({ area: z.string().min(1), notify: z.array(userOrGroupId).min(1) }).strict())
          .default([]),
        fallback: z.array(userOrGroupId).default([]),
        acknowledgeWithinMinutes: z
          .number()
          .positive()
          .max(7 * 24 * 60)
          .default(30),
        /** Minimum assessment confidence (0–1) before LUNA escalates. */
        confidenceThreshold: z.number().min(0).max(1).default(0.7),
        /** Thread tokens the escalation assessment reads: the parent, then the newest messages. */
        assessmentTokenBudget: z.number().int().min(1_000).max(200_000).default(8_000),
      })
      .strict()
      .optional(),
    handles: z
      .record(z.string().regex(/^[a-z][\w-]*$/i, 'handle names are words like sales'), userOrGroupId)
      .default({}),
    digests: z
      .array(
        z.object({ channel: channelId, schedule: cron, timezone: timezone.default('UTC'), postTo: channelId }).strict(),
      )
      .default([]),
    customerChannels: z
      .object({
        /** An internal member's @luna in a customer channel: a private draft first, or straight into the thread. */
        answers: z.enum(['draft', 'direct']).default('draft'),
        /** A customer's @luna: a holding reply and a draft for the owners, a direct answer, or nothing public. */
        externalMentions: z.enum(['draft', 'answer', 'ignore']).default('draft'),
        /** Who gets drafts and alerts for a customer channel; default: `escalation.fallback`. */
        owners: z.record(channelId, z.array(userOrGroupId).min(1)).default({}),
        /** Audiences Slack cannot tell (a private channel with guests), or a channel to treat as internal. */
        channels: z.record(channelId, z.enum(['customer', 'internal'])).default({}),
      })
      .strict()
      .prefault({}),
    /** Internal channels about one account (`C0ACMEINTERNAL: Acme Corp`); Slack Connect channels find their account themselves. */
    accounts: z
      .object({ channels: z.record(channelId, z.string().trim().min(1, 'must name an account')).default({}) })
      .strict()
      .prefault({}),
    /** Customers' messages read unasked, batched per account, classified by a small model (PRODUCT.md, Signals). */
    signals: z
      .object({
        channels: channelChoice.default('none'),
        model: z
          .string()
          .refine(isClaudeModel, 'must be haiku, sonnet, opus or a Claude model id (claude-…)')
          .default('haiku'),
        batchMinutes: z.number().positive().max(1440).default(10),
        batchMessages: z.number().int().min(1).max(500).default(50),
        threshold: z.number().min(0).max(1).default(0.7),
        dailyTokenBudget: z.number().int().min(1).default(2_000_000),
      })
      .strict()
      .prefault({}),
    /** A 1–5 rating question when an internal member marks a customer thread resolved (PRODUCT.md, CSAT surveys). */
    csat: z
      .object({
        enabled: z.boolean().default(false),
        resolvedReaction: emojiName.default('white_check_mark'),
        question: z.string().trim().min(1).max(300).default('How did we do on this one?'),
      })
      .strict()
      .prefault({}),
    /** What one person, or one other organisation's people, can make LUNA spend (PRODUCT.md, Limits). */
    limits: z
      .object({
        /** Mentions (and DMs) answered per person in any 60 seconds; more get one short note, then nothing until the minute has passed. */
        mentionsPerPersonPerMinute: z.number().int('must be a whole number').min(1).max(10_000).default(6),
        /** Mentions answered per person per UTC day. */
        mentionsPerPersonPerDay: z.number().int('must be a whole number').min(1).max(10_000_000).default(200),
        /** Model tokens a UTC day spent answering the people of one other organisation; past it they get the holding reply. */
        organisationDailyTokens: z.number().int('must be a whole number').min(1).default(1_000_000),
      })
      .strict()
      .refine((l) => l.mentionsPerPersonPerMinute <= l.mentionsPerPersonPerDay, {
        message: 'mentionsPerPersonPerMinute cannot be more than mentionsPerPersonPerDay',
        path: ['mentionsPerPersonPerMinute'],
      })
      .prefault({}),
    /** Customer requests tracked inside SLAs (PRODUCT.md, Customer requests); its schema is in requests.ts. */
    requests: RequestsSchema.prefault({}),
    /** Documents and resolved requests answers draw on and cite (PRODUCT.md, Knowledge); its schema is in knowledge.ts. */
    knowledge: KnowledgeSchema.prefault({}),
    model: z
      .object({
        maxOutputTokens: z.number().int().min(256).max(64_000).default(4096),
        /**
         * Stream answers into Slack as the model writes them (chat.startStream / appendStream / stopStream) in DMs
         * and internal channels; `false` posts each answer once, complete. Customer channels never stream.
         */
        stream: z.boolean().default(true),
        /** Tokens of thread history sent with each answer (newest first; the parent always stays). */
        threadTokenBudget: z.number().int().min(1_000).max(900_000).default(60_000),
        /** A stream that sends nothing for this long is aborted and retried. */
        streamIdleTimeoutSeconds: seconds(45, 600),
        /**
         * Model requests in flight at once across every worker process (a Redis semaphore). 200 holds a burst of
         * 100 mentions a second at 1.5 s a call; at a typical 5 s streamed answer it is ~2,400 requests a minute,
         * inside Anthropic's Tier 4 request limit (4,000). Lower it to what your tier allows (a 429 pauses every
         * worker for its retry-after either way, without spending an attempt).
         */
        maxConcurrentCalls: z.number().int().min(1).max(10_000).default(200),
        /** An AI-service outage is waited out this long after a request arrived; then the apology. */
        giveUpAfterMinutes: z
          .number()
          .positive()
          .max(24 * 60)
          .default(15),
        /** During an outage, the first wait before one request probes whether the service is back; it doubles per failed probe, up to 10 s. */
        outageProbeSeconds: seconds(2, 60),
        /** Someone waiting this long for an answer (an outage, a backlog) gets one note that LUNA is still on it. */
        stillWorkingNoteSeconds: seconds(30, 3600),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({
        /** Jobs per worker process; they mostly wait on the model, so a burst needs mentions/s × model seconds of them. */
        concurrency: z.number().int().min(1).max(500).default(200),
        attempts: z.number().int().min(1).max(20).default(5),
        /** First retry delay; later ones double, with jitter. */
        backoffSeconds: seconds(2, 3600),
        /** How long a job's lock lives without renewal; a killed worker's job is recovered after this. */
        lockSeconds: seconds(30, 600),
        /** On SIGTERM, active jobs get this long to finish before they are handed back to the queue. */
        shutdownGraceSeconds: seconds(20, 600),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Workspace = z.infer<typeof WorkspaceSchema>;
