import type { AllMiddlewareArgs, App, Context } from '@slack/bolt';
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
  app.event('app_mention', async ({ event, context }) => {
    await enqueue(event, context, 'mention', deps);
  });
  app.message(async ({ message, context }) => {
    const m = message as unknown as IncomingMessage;
    if (m.channel_type !== 'im') return;
    await enqueue(m, context, 'dm', deps);
  });
}

async function enqueue(m: IncomingMessage, context: Context, surface: string, deps: SlackAdapterDeps) {
  if (!fromAPerson(m, context)) return;
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
}

/** Bots (LUNA included), edits, deletions and system messages never start a job. */
export function fromAPerson(m: IncomingMessage, context: Pick<AllMiddlewareArgs['context'], 'botUserId' | 'botId'>): boolean {
  if (!m.user || m.bot_id) return false;
  if (m.user === context.botUserId) return false;
  if (!PERSON_SUBTYPES.has(m.subtype)) return false;
  return m.edited === undefined;
}
