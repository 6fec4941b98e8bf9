import { z } from 'zod';

/** Every job LUNA queues: its name and its payload schema. Payloads are parsed again in the worker. */
export const QUEUE_NAME = 'jobs';

const slackTs = z.string().regex(/^\d+\.\d+$/);

export const AnswerPayload = z.object({
  teamId: z.string().optional(),
  channel: z.string().min(1),
  /** The message that mentioned LUNA. */
  messageTs: slackTs,
  /** Thread root: the answer goes here, and this thread is the context. */
  threadTs: slackTs,
  userId: z.string().min(1),
  isDirectMessage: z.boolean(),
  /** When Slack's request reached us (epoch ms), for end-to-end latency. */
  receivedAt: z.number(),
});
export type AnswerPayload = z.infer<typeof AnswerPayload>;

export const JOB_NAMES = {
  answer: 'answer',
  escalate: 'escalate',
  escalationTimer: 'escalation-timer',
  escalationAction: 'escalation-action',
  digest: 'digest',
  scheduledDigest: 'scheduled-digest',
  digestDone: 'digest-done',
  journeyMap: 'journey-map',
  home: 'home',
} as const;
export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];

/**
 * How adapters and jobs queue work. `jobId` makes the add idempotent: a second add with the same id is
 * a no-op while the first job is kept. `delayMs` schedules it (timers survive restarts in Redis).
 */
export type Enqueue = (name: JobName, payload: unknown, opts: { jobId: string; delayMs?: number }) => Promise<void>;

/**
 * One job per Slack message, whatever delivered it (a retry, a duplicate delivery, or both
 * `app_mention` and `message.im` for the same message): BullMQ refuses a second job with the same id.
 */
export function answerJobId(p: Pick<AnswerPayload, 'channel' | 'messageTs'>): string {
  return `answer-${p.channel}-${p.messageTs}`;
}
