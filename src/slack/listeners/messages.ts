import type { App, Context } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { showWorking } from '../../slack-api/working.js';
import type { AnswerPayload } from '../../contracts/jobs.js';
import { mentionIntent } from '../../domain/intent.js';
import type { SlackAdapterDeps } from '../deps.js';
import { fromAPerson, parseMessage, type IncomingMessage } from '../message-events.js';
import { enqueueJourneyMapMention, threadDigestPayload } from '../mention-jobs.js';
import { observeAck, receivedEpoch } from '../received.js';
import { isDirectMessageId } from '../../domain/slack-ids.js';

/** `@luna …` in channels and threads, and direct messages: both become one `answer` job per message. */
export function registerMessageListeners(app: App, deps: SlackAdapterDeps): void {
  app.event('app_mention', async ({ event, context, client, body }) => {
    const m = parseMessage(event, 'app_mention', deps);
    if (!m) return;
    const queued = await enqueue(m, context, 'mention', deps);
    if (queued && !sharedChannel(body, m.channel, deps)) showWorkingSoon(client, m, deps);
  });
  app.message(async ({ message, context }) => {
    if ((message as { channel_type?: unknown }).channel_type !== 'im') return;
    const m = parseMessage(message, 'message.im', deps);
    if (m) await enqueue(m, context, 'dm', deps);
  });
}

/**
 * The working indicator goes up the moment the mention is queued, not when a worker gets to it (a backlog, an
 * outage), after the ack so it never delays it. Not where the customer reads along, where a draft may follow.
 */
function showWorkingSoon(client: WebClient, m: IncomingMessage, deps: SlackAdapterDeps): void {
  setImmediate(
    () => void showWorking(client, deps.log, { channel: m.channel, messageTs: m.ts, threadTs: m.thread_ts ?? m.ts }),
  );
}

/** Slack Connect (the envelope says so), or a channel the config names as a customer's. */
function sharedChannel(body: unknown, channel: string, deps: SlackAdapterDeps): boolean {
  return (
    (body as { is_ext_shared_channel?: boolean }).is_ext_shared_channel === true ||
    deps.settings.workspace.customerChannels.channels[channel] === 'customer'
  );
}

/** Queues the job a message asks for; true when it was an answer (which gets the working indicator). */
async function enqueue(
  m: IncomingMessage,
  context: Context,
  surface: string,
  deps: SlackAdapterDeps,
): Promise<boolean> {
  if (!fromAPerson(m, context)) return false;
  const payload: AnswerPayload = {
    ...(m.team ? { teamId: m.team } : {}),
    channel: m.channel,
    messageTs: m.ts,
    threadTs: m.thread_ts ?? m.ts,
    userId: m.user!, // fromAPerson: a person's message names its author
    ...(m.user_team ? { userTeam: m.user_team } : {}),
    isDirectMessage: m.channel_type === 'im' || isDirectMessageId(m.channel),
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
