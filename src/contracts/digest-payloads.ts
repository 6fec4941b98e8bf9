import { z } from 'zod';

/** Payloads of the digest jobs (names in JOB_NAMES), parsed again in the worker like every payload. */
const slackTs = z.string().regex(/^\d+\.\d+$/);

/** `@luna digest` in a thread, or the "Feedback digest" shortcut on a message: a digest of that thread. */
export const ThreadDigestPayload = z.object({
  teamId: z.string().optional(),
  channel: z.string().min(1),
  threadTs: slackTs,
  requestedBy: z.string().min(1),
  source: z.enum(['mention', 'shortcut']),
  receivedAt: z.number(),
  /** Shortcuts: Slack's response_url (valid 30 minutes), to reach the requester where LUNA cannot post. */
  responseUrl: z.string().url().optional(),
});
export type ThreadDigestPayload = z.infer<typeof ThreadDigestPayload>;

/** One tick of a `digests:` entry's Job Scheduler (the template data). */
export const ScheduledDigestPayload = z.object({
  schedulerId: z.string().min(1),
  channel: z.string().min(1),
  postTo: z.string().min(1),
});
export type ScheduledDigestPayload = z.infer<typeof ScheduledDigestPayload>;

/** A click on a recommended action's Done button. */
export const DigestDonePayload = z.object({
  digestId: z.string().min(1),
  action: z.number().int().min(0),
  userId: z.string().min(1),
  channel: z.string().min(1),
  messageTs: slackTs,
});
export type DigestDonePayload = z.infer<typeof DigestDonePayload>;

/**
 * A retried or duplicated delivery of the same request is one job: the mention's own message, or the
 * shortcut click (`action_ts`). BullMQ reserves ':' in custom ids.
 */
export function threadDigestJobId(channel: string, requestTs: string): string {
  return `digest-${channel}-${requestTs}`;
}

export function digestDoneJobId(p: DigestDonePayload, actionTs: string): string {
  return `digest-done-${p.digestId}-${p.action}-${actionTs}`.replace(/:/g, '_');
}

/** One scheduler per `digests:` entry, stable across restarts and instances, so they all upsert the same one. */
export function digestSchedulerId(entry: { channel: string; postTo: string }): string {
  return `digest-${entry.channel}-${entry.postTo}`;
}
