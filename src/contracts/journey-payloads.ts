import { z } from 'zod';

/** The journey-map job's payload (name in JOB_NAMES), parsed again in the worker like every payload. */
const slackTs = z.string().regex(/^\d+\.\d+$/);

/** Longer subjects are cut: a subject names a customer, segment or scenario, not a brief. */
export const SUBJECT_MAX = 500;

export const JourneyMapPayload = z.object({
  teamId: z.string().optional(),
  channel: z.string().min(1),
  /** Who asked: told about failures, and may be tagged in the map. */
  userId: z.string().min(1),
  subject: z.string().max(SUBJECT_MAX),
  source: z.enum(['command', 'mention']),
  /** Mentions: the thread asked in — the evidence, and where the map goes. Commands post in the channel. */
  threadTs: slackTs.optional(),
  /** Commands: Slack's `response_url` (30 minutes, 5 uses), for an ephemeral note if the map cannot be made. */
  responseUrl: z.url().optional(),
  /** When Slack's request reached us (epoch ms), for time-to-picture. */
  receivedAt: z.number(),
});
export type JourneyMapPayload = z.infer<typeof JourneyMapPayload>;

/**
 * One map per invocation: a command by its `trigger_id` (unique per invocation; Slack does not retry slash
 * commands), a mention by its message, so a redelivered event is the same job. BullMQ reserves ':'.
 */
export function journeyMapJobId(by: { triggerId: string } | { channel: string; messageTs: string }): string {
  const id = 'triggerId' in by ? `journey-map-cmd-${by.triggerId}` : `journey-map-${by.channel}-${by.messageTs}`;
  return id.replace(/:/g, '_');
}
