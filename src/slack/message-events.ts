import type { AllMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { ChannelId, SlackTs, TeamId, UserId } from '../contracts/jobs.js';
import type { SlackAdapterDeps } from './deps.js';
import { issuesOf } from './guard.js';

// A person's message as the listeners read it (`app_mention`, `message.im`, `message.channels`/`groups`): one schema
// and one "is this a person talking" rule for the mention, DM and signal listeners.

/** Message subtypes that are still a person talking to LUNA; every other subtype (edits, deletions, joins, bot posts) is ignored. */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * The fields of an `app_mention` or `message` event LUNA uses. The ids must be Slack's: a message whose user,
 * channel, team or timestamps are not is never queued (it is acked and logged, see `parseMessage`).
 */
export const IncomingMessage = z.object({
  channel: ChannelId,
  ts: SlackTs,
  thread_ts: SlackTs.optional(),
  user: UserId.optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  edited: z.unknown().optional(),
  text: z.string().optional(),
  channel_type: z.string().optional(),
  team: TeamId.optional(),
  /** Slack Connect: the author's own workspace (another organisation's, for a customer). */
  user_team: TeamId.optional(),
});
export type IncomingMessage = z.infer<typeof IncomingMessage>;

/** The event's fields, or undefined (logged with the fields at fault, never their values) when they are not Slack's. */
export function parseMessage(
  event: unknown,
  kind: string,
  deps: Pick<SlackAdapterDeps, 'log'>,
): IncomingMessage | undefined {
  const m = IncomingMessage.safeParse(event);
  if (m.success) return m.data;
  deps.log.warn(`ignored a malformed ${kind} event`, { issues: issuesOf(m.error) });
  return undefined;
}

/** Bots (LUNA included), edits, deletions and system messages never start a job. */
export function fromAPerson(
  m: Pick<IncomingMessage, 'user' | 'bot_id' | 'subtype' | 'edited'>,
  context: Pick<AllMiddlewareArgs['context'], 'botUserId' | 'botId'>,
): boolean {
  if (!m.user || m.bot_id) return false;
  if (m.user === context.botUserId) return false;
  if (!PERSON_SUBTYPES.has(m.subtype)) return false;
  return m.edited === undefined;
}

/** `message.channels` and `message.groups`: a message in a public or private channel (DMs are the mention listener's). */
export function inAChannel(m: Pick<IncomingMessage, 'channel_type'>): boolean {
  return m.channel_type === 'channel' || m.channel_type === 'group';
}
