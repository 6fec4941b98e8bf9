import { z } from 'zod';
import { ActionTs, ChannelId, SlackTs, TeamId, TriggerId, UserId } from '../domain/slack-ids.js';

// Longer than 250 lines because it is the catalogue's list of payload schemas, one per job; each is short, and
// splitting the list would only scatter them.

/**
 * The payload of every job LUNA queues. Each is parsed when it is queued and again when a worker picks
 * it up, so a handler only ever sees a payload of its own shape. Slack's ids and timestamps in them are
 * Slack's (domain/slack-ids.ts): a job id is built from nothing else.
 */

export {
  ActionTs,
  ChannelId,
  EnterpriseId,
  SlackTs,
  TeamId,
  TriggerId,
  UserId,
  UsergroupId,
} from '../domain/slack-ids.js';

/**
 * LUNA's own record ids (escalations, digests; a scheduled digest's is its BullMQ job id, `repeat:…`), as
 * they come back in button values: short, no spaces or markup. Job ids built from them never keep a ':'.
 */
export const RecordId = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/);

export const AnswerPayload = z.object({
  teamId: TeamId.optional(),
  channel: ChannelId,
  /** The message that mentioned LUNA. */
  messageTs: SlackTs,
  /** Thread root: the answer goes here, and this thread is the context. */
  threadTs: SlackTs,
  userId: UserId,
  /** The event's `user_team`: the asker's own workspace, another organisation's in a Slack Connect channel. */
  userTeam: TeamId.optional(),
  isDirectMessage: z.boolean(),
  /** When Slack's request reached us (epoch ms), for end-to-end latency. */
  receivedAt: z.number(),
});
export type AnswerPayload = z.infer<typeof AnswerPayload>;

/** What any part of LUNA (an answer's assessment, a digest's churn signal) hands to the escalation flow. */
export const EscalationRequest = z.object({
  channel: ChannelId,
  threadTs: SlackTs,
  /** One of the configured owners' areas (the persona's human-handled list). */
  area: z.string(),
  customerWants: z.string(),
  whyStrategic: z.string(),
  decisionNeeded: z.string(),
  /** Short hand-off: history, risk, what LUNA already said. */
  summary: z.string(),
  /** The new evidence this request adds (appended when the thread+area is already escalated). */
  evidence: z.string(),
  confidence: z.number().min(0).max(1),
  source: z.enum(['answer', 'digest', 'signal']),
  requestedAt: z.number(),
  /** A caller that may run twice (a retried job) names its request, so it is queued once. */
  requestId: RecordId.optional(),
});
export type EscalationRequest = z.infer<typeof EscalationRequest>;

/** Nobody acknowledged in time: first a reminder, then the fallback people. */
export const EscalationTimer = z.object({ id: RecordId, stage: z.enum(['remind', 'fallback']) });
export type EscalationTimer = z.infer<typeof EscalationTimer>;

/**
 * Who clicked a button on which of LUNA's messages (slack/click.ts `clickedBy`): a job that acts on a click acts only
 * when the message is the one its record posted, and `userTeamId` (Slack's `user.team_id`), another organisation's,
 * is a first sign of a stranger.
 */
const ClickedBy = {
  userId: UserId,
  userTeamId: TeamId.optional(),
  channel: ChannelId,
  messageTs: SlackTs,
};

/** A click on an escalation post's Acknowledge / I'll take it / Not strategic. */
export const EscalationAction = z.object({
  id: RecordId,
  action: z.enum(['acknowledged', 'taken', 'not_strategic']),
  ...ClickedBy,
  at: z.number(),
  /** Slack's `action_ts` of the click: a redelivered click is the same job. */
  actionTs: ActionTs,
});
export type EscalationAction = z.infer<typeof EscalationAction>;

/** `@luna digest` in a thread, or the "Feedback digest" shortcut on a message: a digest of that thread. */
export const ThreadDigestPayload = z.object({
  teamId: TeamId.optional(),
  channel: ChannelId,
  threadTs: SlackTs,
  requestedBy: UserId,
  source: z.enum(['mention', 'shortcut']),
  /** The request's own Slack id: the mention's `ts` or the shortcut's `action_ts`. */
  requestTs: SlackTs,
  receivedAt: z.number(),
  /** Shortcuts: Slack's response_url (valid 30 minutes), to reach the requester where LUNA cannot post. */
  responseUrl: z.string().url().optional(),
});
export type ThreadDigestPayload = z.infer<typeof ThreadDigestPayload>;

/** One tick of a `digests:` entry's Job Scheduler (the template data). */
export const ScheduledDigestPayload = z.object({
  schedulerId: z.string().min(1),
  channel: ChannelId,
  postTo: z.string().min(1),
});
export type ScheduledDigestPayload = z.infer<typeof ScheduledDigestPayload>;

/** A click on a recommended action's Done button. */
export const DigestDonePayload = z.object({
  digestId: RecordId,
  action: z.number().int().min(0),
  /** The job acts only when the message is one of the digest's own posted parts. */
  ...ClickedBy,
  actionTs: ActionTs,
});
export type DigestDonePayload = z.infer<typeof DigestDonePayload>;

/** Longer subjects are cut: a subject names a customer, segment or scenario, not a brief. */
export const SUBJECT_MAX = 500;

export const JourneyMapPayload = z.object({
  teamId: TeamId.optional(),
  channel: ChannelId,
  /** Who asked: told about failures, and may be tagged in the map. */
  userId: UserId,
  subject: z.string().max(SUBJECT_MAX),
  source: z.enum(['command', 'mention']),
  /** The invocation's Slack id: a command's `trigger_id`, a mention's message `ts`. */
  requestId: TriggerId,
  /** Mentions: the thread asked in — the evidence, and where the map goes. Commands post in the channel. */
  threadTs: SlackTs.optional(),
  /** Commands: Slack's `response_url` (30 minutes, 5 uses), for an ephemeral note if the map cannot be made. */
  responseUrl: z.url().optional(),
  /** When Slack's request reached us (epoch ms), for time-to-picture. */
  receivedAt: z.number(),
});
export type JourneyMapPayload = z.infer<typeof JourneyMapPayload>;

/** Publish the App Home dashboard to one user. */
export const HomePayload = z.object({
  userId: UserId,
  /** `chart`: a re-publish after Slack was not yet ready to show a freshly uploaded chart. */
  reason: z.enum(['opened', 'refresh', 'chart']),
});
export type HomePayload = z.infer<typeof HomePayload>;

/** A click on a draft's Post in thread / Discard, from the private message that carries it. */
export const DraftAction = z.object({
  draftId: RecordId,
  /** `post_confirmed`: Post on a draft that names internal facts, after Slack's confirmation dialog named them. */
  action: z.enum(['post', 'post_confirmed', 'discard']),
  userId: UserId,
  /** Where the click came from: must be one of the draft's own private messages. */
  channel: ChannelId,
  messageTs: SlackTs,
  actionTs: ActionTs,
});
export type DraftAction = z.infer<typeof DraftAction>;

/** An account's id in job ids and button values: `t-T0ACME`, `n-acme-corp`. */
export const AccountId = z.string().regex(/^[tn]-[A-Za-z0-9-]{1,120}$/);

/** A customer's message in a channel LUNA reads for signals (message.channels / message.groups), not yet judged. */
export const SignalMessagePayload = z.object({
  channel: ChannelId,
  ts: SlackTs,
  threadTs: SlackTs,
  userId: UserId,
  /** The event's `user_team`, when Slack sent one. */
  userTeam: TeamId.optional(),
  receivedAt: z.number(),
});
export type SignalMessagePayload = z.infer<typeof SignalMessagePayload>;

/** Classify an account's window of customer messages: when its timer fires, or sooner when it is full. */
export const SignalBatchPayload = z.object({
  accountId: AccountId,
  /** Epoch ms the window opened: with the account, the window's identity. */
  windowId: z.string().regex(/^\d{1,16}$/),
  trigger: z.enum(['timer', 'full']),
});
export type SignalBatchPayload = z.infer<typeof SignalBatchPayload>;

/** `csat.resolvedReaction` added to a message (reaction_added): a thread marked resolved. */
export const ThreadResolvedPayload = z.object({
  channel: ChannelId,
  ts: SlackTs,
  userId: UserId,
  eventTs: SlackTs,
});
export type ThreadResolvedPayload = z.infer<typeof ThreadResolvedPayload>;

/** A click on one of a survey's five rating buttons. */
export const CsatVotePayload = z.object({
  surveyId: RecordId,
  score: z.number().int().min(1).max(5),
  userId: UserId,
  /** Where the click came from: must be the survey's own message. */
  channel: ChannelId,
  messageTs: SlackTs,
  actionTs: ActionTs,
});
export type CsatVotePayload = z.infer<typeof CsatVotePayload>;
/** Who clicked a feedback button, and where: the fields both kinds of feedback click share. */
const FeedbackClick = {
  /** The answer's job id, as the button's value carries it. */
  answerId: RecordId,
  userId: UserId,
  /** The clicker's own team (Slack's `user.team_id`): another organisation's cannot rate internal answers. */
  userTeamId: TeamId.optional(),
  channel: ChannelId,
  /** Slack's `action_ts` of the click: a redelivered click is the same job. */
  actionTs: ActionTs,
};

/**
 * A click on an answer's feedback buttons (`vote`, from the answer's own message), or on a reason offered after a
 * thumbs-down (`reason`, from the private follow-up, answered through its response_url).
 */
export const FeedbackPayload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('vote'), ...FeedbackClick, vote: z.enum(['positive', 'negative']), messageTs: SlackTs }),
  z.object({
    kind: z.literal('reason'),
    ...FeedbackClick,
    reason: z.enum(['wrong', 'not_helpful', 'unsafe', 'other']),
    responseUrl: z.url().optional(),
  }),
]);
export type FeedbackPayload = z.infer<typeof FeedbackPayload>;

/** Someone opened the DM with LUNA (the Messages tab, Slack's agent view): offer the persona's suggested prompts. */
export const MessagesOpenedPayload = z.object({
  userId: UserId,
  /** The DM's channel (D…). */
  channel: ChannelId,
});
export type MessagesOpenedPayload = z.infer<typeof MessagesOpenedPayload>;

// ---- customer requests (PRODUCT.md, Customer requests) ----

/** A request's id as the store builds it (`<channel>-<message ts>`), as it comes back in a card's button values. */
export const RequestIdField = z.string().regex(/^[CGD][A-Z0-9]{2,}-\d+\.\d+$/);

/** Longer messages are cut: the request keeps its first words only, the model reads the message from Slack. */
export const REQUEST_TEXT_MAX = 4_000;

/**
 * A person's message in a channel `requests.channels` names: a top-level one (`request-message`, it may open a
 * request) or a thread reply (`request-reply`, a first response, or a customer reopening it). Whether the author
 * is the customer is the job's to decide.
 */
export const RequestMessagePayload = z.object({
  channel: ChannelId,
  ts: SlackTs,
  /** The thread root: the message's own ts for a top-level message. */
  threadTs: SlackTs,
  userId: UserId,
  /** The event's `user_team`: the author's own workspace, another organisation's for a customer. */
  userTeam: TeamId.optional(),
  text: z.string().max(REQUEST_TEXT_MAX),
  receivedAt: z.number(),
});
export type RequestMessagePayload = z.infer<typeof RequestMessagePayload>;

/** What a reaction means for requests: which configured emoji it was. */
export const REQUEST_REACTION_KINDS = ['request', 'assign', 'urgent', 'resolved'] as const;

/** `requestReaction`, `assignReaction`, `urgentReaction` or the resolved reaction added to a message. */
export const RequestReactionPayload = z.object({
  channel: ChannelId,
  ts: SlackTs,
  userId: UserId,
  kind: z.enum(REQUEST_REACTION_KINDS),
  eventTs: SlackTs,
});
export type RequestReactionPayload = z.infer<typeof RequestReactionPayload>;

/** A click on a triage card: Take it, Resolve, or a priority chosen in its select menu. */
export const RequestActionPayload = z.object({
  requestId: RequestIdField,
  action: z.enum(['take', 'resolve', 'priority']),
  priority: z.enum(['urgent', 'high', 'normal', 'low']).optional(),
  /** The job acts only when the message is the request's own card. */
  ...ClickedBy,
  actionTs: ActionTs,
});
export type RequestActionPayload = z.infer<typeof RequestActionPayload>;

/** A message in a requests channel was edited (`message_changed`) or deleted (`message_deleted`). */
export const RequestEditPayload = z.object({
  channel: ChannelId,
  ts: SlackTs,
  text: z.string().max(REQUEST_TEXT_MAX),
  eventTs: SlackTs,
});
export type RequestEditPayload = z.infer<typeof RequestEditPayload>;
export const RequestDeletePayload = z.object({ channel: ChannelId, ts: SlackTs, eventTs: SlackTs });
export type RequestDeletePayload = z.infer<typeof RequestDeletePayload>;

/** `detection: ai`: classify a window of candidate customer messages (all channels), when its timer fires or it is full. */
export const RequestDetectPayload = z.object({
  windowId: z.string().regex(/^\d{1,16}$/),
  trigger: z.enum(['timer', 'full']),
});
export type RequestDetectPayload = z.infer<typeof RequestDetectPayload>;

/** One warning or breach of one request's target that came due (queued by the timers' tick). */
export const RequestTimerPayload = z.object({
  requestId: RequestIdField,
  target: z.enum(['firstResponse', 'resolution']),
  kind: z.enum(['warn', 'breach']),
  at: z.number().int().nonnegative(),
});
export type RequestTimerPayload = z.infer<typeof RequestTimerPayload>;

/** A tick of the request timers' Job Scheduler (no data of its own). */
export const RequestTimersTickPayload = z.object({}).loose();
export type RequestTimersTickPayload = z.infer<typeof RequestTimersTickPayload>;
