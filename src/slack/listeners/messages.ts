import type { AllMiddlewareArgs, App, Context } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { WORKING_REACTION } from '../../contracts/jobs.js';
import { slackErrorCode } from '../../slack-api/errors.js';
import type { AnswerPayload } from '../../contracts/jobs.js';
import { mentionIntent } from '../../domain/intent.js';
import type { SlackAdapterDeps } from '../deps.js';
import { threadDigestPayload } from './digest.js';
import { enqueueJourneyMapMention } from './journey-map.js';
import { observeAck, receivedEpoch } from '../received.js';

/** Message subtypes that are still a person talking to LUNA; every other subtype (edits, deletions, joins, bot posts) is ignored. */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

interface IncomingMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  edited?: unknown;
  text?: string;
  channel_type?: string;
  team?: string;
  /** Slack Connect: the author's own workspace (another organisation's, for a customer). */
  user_team?: string;
}

/** `@luna …` in channels and threads, and direct messages: both become one `answer` job per message. */
export function registerMessageListeners(app: App, deps: SlackAdapterDeps): void {
  app.event('app_mention', async ({ event, context, client, body }) => {
    const queued = await enqueue(event, context, 'mention', deps);
    if (queued && !sharedChannel(body, event.channel, deps)) showWorking(client, event.channel, event.ts, deps);
  });
  app.message(async ({ message, context }) => {
    const m = message as unknown as IncomingMessage;
    if (m.channel_type !== 'im') return;
    await enqueue(m, context, 'dm', deps);
  });
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
    userId: m.user!,
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
export function fromAPerson(m: IncomingMessage, context: Pick<AllMiddlewareArgs['context'], 'botUserId' | 'botId'>): boolean {
  if (!m.user || m.bot_id) return false;
  if (m.user === context.botUserId) return false;
  if (!PERSON_SUBTYPES.has(m.subtype)) return false;
  return m.edited === undefined;
}
