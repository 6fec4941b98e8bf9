import type { AllMiddlewareArgs, App, Context } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { ChannelId, SlackTs, TeamId, UserId, WORKING_REACTION } from '../../contracts/jobs.js';
import { slackErrorCode } from '../../slack-api/errors.js';
import type { AnswerPayload } from '../../contracts/jobs.js';
import { mentionIntent } from '../../domain/intent.js';
import type { SlackAdapterDeps } from '../deps.js';
import { issuesOf } from '../guard.js';
import { threadDigestPayload } from './digest.js';
import { enqueueJourneyMapMention } from './journey-map.js';
import { observeAck, receivedEpoch } from '../received.js';

/** Message subtypes that are still a person talking to LUNA; every other subtype (edits, deletions, joins, bot posts) is ignored. */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * The fields of an `app_mention` or `message` event LUNA uses. The ids must be Slack's: a message whose user,
 * channel, team or timestamps are not is never queued (it is acked and logged, see `parseMessage`).
 */
const IncomingMessage = z.object({
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
type IncomingMessage = z.infer<typeof IncomingMessage>;

/** `@luna …` in channels and threads, and direct messages: both become one `answer` job per message. */
export function registerMessageListeners(app: App, deps: SlackAdapterDeps): void {
  app.event('app_mention', async ({ event, context, client, body }) => {
    const m = parseMessage(event, 'app_mention', deps);
    if (!m) return;
    const queued = await enqueue(m, context, 'mention', deps);
    if (queued && !sharedChannel(body, m.channel, deps)) showWorking(client, m.channel, m.ts, deps);
  });
  app.message(async ({ message, context }) => {
    if ((message as { channel_type?: unknown }).channel_type !== 'im') return;
    const m = parseMessage(message, 'message.im', deps);
    if (m) await enqueue(m, context, 'dm', deps);
  });
}

/** The event's fields, or undefined (logged with the fields at fault, never their values) when they are not Slack's. */
function parseMessage(event: unknown, kind: string, deps: SlackAdapterDeps): IncomingMessage | undefined {
  const m = IncomingMessage.safeParse(event);
  if (m.success) return m.data;
  deps.log.warn(`ignored a malformed ${kind} event`, { issues: issuesOf(m.error) });
  return undefined;
}

/**
 * The working indicator goes up the moment the mention is queued, not when a worker gets to it (a backlog,
 * an outage): a reaction, sent after the ack so it never delays it. The worker's own attempt then finds it
 * there (`already_reacted`) and adds nothing. Not where the customer reads along, where a draft may follow.
 */
function showWorking(client: WebClient, channel: string, ts: string, deps: SlackAdapterDeps): void {
  setImmediate(() => {
    client.reactions.add({ channel, timestamp: ts, name: WORKING_REACTION }).catch((err: unknown) => {
      if (slackErrorCode(err) !== 'already_reacted') deps.log.debug('could not show the working indicator', { channel, err });
    });
  });
}

/** Slack Connect (the envelope says so), or a channel the config names as a customer's. */
function sharedChannel(body: unknown, channel: string, deps: SlackAdapterDeps): boolean {
  return (
    (body as { is_ext_shared_channel?: boolean }).is_ext_shared_channel === true || deps.settings.workspace.customerChannels.channels[channel] === 'customer'
  );
}

/** Queues the job a message asks for; true when it was an answer (which gets the working indicator). */
async function enqueue(m: IncomingMessage, context: Context, surface: string, deps: SlackAdapterDeps): Promise<boolean> {
  if (!fromAPerson(m, context)) return false;
  const payload: AnswerPayload = {
    ...(m.team ? { teamId: m.team } : {}),
    channel: m.channel,
    messageTs: m.ts,
    threadTs: m.thread_ts ?? m.ts,
    userId: m.user!, // fromAPerson: a person's message names its author
    ...(m.user_team ? { userTeam: m.user_team } : {}),
    isDirectMessage: m.channel_type === 'im' || m.channel.startsWith('D'),
    receivedAt: receivedEpoch(context),
  };
  const intent = mentionIntent(m.text ?? '');
  switch (intent.kind) {
    case 'digest':
      await deps.enqueue('digest', threadDigestPayload(payload));
      break;
    case 'journey-map':
      await enqueueJourneyMapMention(deps, payload, intent.subject);
      break;
    default:
      await deps.enqueue('answer', payload);
  }
  observeAck(deps.metrics, context, surface);
  return intent.kind === 'answer';
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
