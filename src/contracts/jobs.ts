import type { z } from 'zod';
import { slug } from '../domain/text.js';
import { LunaError } from '../infra/errors.js';
import {
  AnswerPayload,
  CsatVotePayload,
  DigestDonePayload,
  DraftAction,
  EscalationAction,
  EscalationRequest,
  EscalationTimer,
  FeedbackPayload,
  HomePayload,
  JourneyMapPayload,
  MessagesOpenedPayload,
  RequestActionPayload,
  RequestDeletePayload,
  RequestDetectPayload,
  RequestEditPayload,
  RequestMessagePayload,
  RequestReactionPayload,
  RequestTimerPayload,
  RequestTimersTickPayload,
  ScheduledDigestPayload,
  SignalBatchPayload,
  SignalMessagePayload,
  ThreadDigestPayload,
  ThreadResolvedPayload,
} from './payloads.js';

export * from './payloads.js';

/** The one BullMQ queue every job goes through. */
export const QUEUE_NAME = 'jobs';

/**
 * Opens and Refresh clicks of one user within this window are one `home` job, so a burst (tab switching,
 * double clicks, Slack redelivering the event) is one publish. Later ones get a fresh job.
 */
export const HOME_DEDUP_MS = 5_000;

/** Opening the DM with LUNA again within this window sets the suggested prompts once. */
export const PROMPTS_DEDUP_MS = 60_000;

type IdOf<P> = (p: P, now: number) => string;

/**
 * A job queued by LUNA itself. `id` builds its job id: a retried or duplicated delivery of the same
 * request builds the same id, so it is one job (BullMQ refuses a second job with an id it holds);
 * `now` is the enqueue time. `ordered`: jobs of one thread run in the order their messages were sent.
 */
function queued<S extends z.ZodType>(payload: S, id: IdOf<z.infer<S>>, opts: { ordered?: boolean } = {}) {
  return { payload, id, ordered: opts.ordered ?? false };
}

/** A job whose runs a BullMQ Job Scheduler makes (cron ticks): it has no id of ours and is never queued by hand. */
function scheduled<S extends z.ZodType>(payload: S) {
  return { payload, ordered: false };
}

export function answerJobId(p: Pick<AnswerPayload, 'channel' | 'messageTs'>): string {
  return withoutColons(`answer-${p.channel}-${p.messageTs}`);
}

/**
 * Every job LUNA runs: its name, payload schema, id and options. Adding a job is one entry here plus
 * its handler in jobs/handlers.ts (the worker's dispatch is typed by this object, so a job without a
 * handler does not compile).
 */
export const JOBS = {
  // One job per Slack message, whatever delivered it (a retry, a duplicate, or both `app_mention` and `message.im`).
  answer: queued(AnswerPayload, answerJobId, { ordered: true }),
  escalate: queued(
    EscalationRequest,
    (p) => `escalate-${p.requestId ?? `${p.channel}-${p.threadTs}-${slug(p.area)}-${p.requestedAt}`}`,
  ),
  'escalation-timer': queued(EscalationTimer, (p) => `escalation-timer-${p.id}-${p.stage}`),
  'escalation-action': queued(
    EscalationAction,
    (p) => `escalation-action-${p.id}-${p.action}-${p.userId}-${p.actionTs}`,
  ),
  digest: queued(ThreadDigestPayload, (p) => `digest-${p.channel}-${p.requestTs}`),
  'scheduled-digest': scheduled(ScheduledDigestPayload),
  'digest-done': queued(DigestDonePayload, (p) => `digest-done-${p.digestId}-${p.action}-${p.actionTs}`),
  // Commands by `trigger_id` (unique per invocation; Slack does not retry slash commands), mentions by message.
  'journey-map': queued(JourneyMapPayload, (p) =>
    p.source === 'command' ? `journey-map-cmd-${p.requestId}` : `journey-map-${p.channel}-${p.requestId}`,
  ),
  'draft-action': queued(DraftAction, (p) => `draft-${p.action}-${p.draftId}-${p.userId}-${p.actionTs}`),
  home: queued(HomePayload, (p, now) => `home-${p.userId}-${p.reason}-${Math.floor(now / HOME_DEDUP_MS)}`),
  // Signals: one job per customer message (a redelivery is the same job), one per account window and trigger.
  'signal-message': queued(SignalMessagePayload, (p) => `signal-msg-${p.channel}-${p.ts}`),
  'signal-batch': queued(
    SignalBatchPayload,
    (p) => `signal-batch-${p.accountId}-${p.windowId}${p.trigger === 'full' ? '-full' : ''}`,
  ),
  // CSAT: each person's resolved reaction on a message is one job (the survey itself is posted once per thread).
  'thread-resolved': queued(ThreadResolvedPayload, (p) => `resolved-${p.channel}-${p.ts}-${p.userId}`),
  'csat-vote': queued(CsatVotePayload, (p) => `csat-vote-${p.surveyId}-${p.userId}-${p.actionTs}`),
  // One job per click (Slack's action_ts); counting once per person and answer is the store's business.
  feedback: queued(FeedbackPayload, (p) => `feedback-${p.kind}-${p.answerId}-${p.userId}-${p.actionTs}`),
  'messages-opened': queued(
    MessagesOpenedPayload,
    (p, now) => `messages-opened-${p.userId}-${Math.floor(now / PROMPTS_DEDUP_MS)}`,
  ),
  // Customer requests: one job per Slack message, reaction event or click (a redelivery is the same job), one per
  // detection window and trigger, one per timer and time (a tick that runs twice queues it once).
  'request-message': queued(RequestMessagePayload, (p) => `request-msg-${p.channel}-${p.ts}`),
  'request-reply': queued(RequestMessagePayload, (p) => `request-reply-${p.channel}-${p.ts}`),
  'request-reaction': queued(
    RequestReactionPayload,
    (p) => `request-reaction-${p.kind}-${p.channel}-${p.ts}-${p.userId}-${p.eventTs}`,
  ),
  'request-action': queued(
    RequestActionPayload,
    (p) => `request-action-${p.requestId}-${p.action}-${p.userId}-${p.actionTs}`,
  ),
  'request-edit': queued(RequestEditPayload, (p) => `request-edit-${p.channel}-${p.ts}-${p.eventTs}`),
  'request-delete': queued(RequestDeletePayload, (p) => `request-delete-${p.channel}-${p.ts}`),
  'request-detect': queued(
    RequestDetectPayload,
    (p) => `request-detect-${p.windowId}${p.trigger === 'full' ? '-full' : ''}`,
  ),
  'request-timer': queued(RequestTimerPayload, (p) => `request-timer-${p.requestId}-${p.target}-${p.kind}-${p.at}`),
  'request-timers': scheduled(RequestTimersTickPayload),
};

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;
/** Jobs that adapters and other jobs queue themselves (everything with an id). */
export type EnqueuedJobName = { [N in JobName]: (typeof JOBS)[N] extends { id: unknown } ? N : never }[JobName];

/** Job names as constants, for code that names a job without queueing it. */
export const JOB_NAMES = {
  answer: 'answer',
  escalate: 'escalate',
  escalationTimer: 'escalation-timer',
  escalationAction: 'escalation-action',
  digest: 'digest',
  scheduledDigest: 'scheduled-digest',
  digestDone: 'digest-done',
  journeyMap: 'journey-map',
  draftAction: 'draft-action',
  home: 'home',
  signalMessage: 'signal-message',
  signalBatch: 'signal-batch',
  threadResolved: 'thread-resolved',
  csatVote: 'csat-vote',
  feedback: 'feedback',
  messagesOpened: 'messages-opened',
  requestMessage: 'request-message',
  requestReply: 'request-reply',
  requestReaction: 'request-reaction',
  requestAction: 'request-action',
  requestEdit: 'request-edit',
  requestDelete: 'request-delete',
  requestDetect: 'request-detect',
  requestTimer: 'request-timer',
  requestTimers: 'request-timers',
} as const satisfies Record<string, JobName>;

/**
 * How adapters and jobs queue work, typed by the job's name: a payload of the wrong shape does not
 * compile. The add is idempotent by the catalogue's id; `delayMs` schedules it (timers survive restarts).
 */
export type Enqueue = <N extends EnqueuedJobName>(
  name: N,
  payload: JobPayload<N>,
  opts?: { delayMs?: number },
) => Promise<void>;

/**
 * A payload parsed against its job's schema, and the id built from what was parsed (so an id is made of Slack's
 * ids and timestamps and LUNA's record ids only, never of raw input). Throws `luna_job_payload_invalid` for a
 * payload that does not fit.
 */
export function parsePayload<N extends EnqueuedJobName>(
  name: N,
  payload: unknown,
  now = Date.now(),
): { data: JobPayload<N>; id: string } {
  const parsed = JOBS[name].payload.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LunaError(
      'luna_job_payload_invalid',
      `refused to queue a "${name}" job: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'invalid payload'}`,
    );
  }
  const data = parsed.data as JobPayload<N>;
  const id = JOBS[name].id as IdOf<JobPayload<N>>;
  return { data, id: withoutColons(id(data, now)) };
}

/** The id a job of this name and payload gets. BullMQ reserves ':' in custom ids, so none ever contains one. */
export function jobId<N extends EnqueuedJobName>(name: N, payload: JobPayload<N>, now = Date.now()): string {
  return parsePayload(name, payload, now).id;
}

function withoutColons(id: string): string {
  return id.replace(/:/g, '_');
}

/** One scheduler per `digests:` entry, stable across restarts and instances, so they all upsert the same one. */
export function digestSchedulerId(entry: { channel: string; postTo: string }): string {
  return `digest-${entry.channel}-${entry.postTo}`;
}
