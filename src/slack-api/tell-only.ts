import type { KnownBlock, WebClient } from '@slack/web-api';
import type { Logger } from '../infra/log.js';
import { fromSlackError, slackErrorCode } from './errors.js';

// Messages only one person sees (Slack's ephemerals), in the channel and thread they are looking at: the answer to
// their click, a note about their request, a refusal. Nobody else in the channel — a customer included — sees them.

export interface OnlyTo {
  channel: string;
  user: string;
  threadTs?: string | undefined;
}

type Message = string | { text: string; blocks: KnownBlock[] };

/** Tells `to.user` alone. Failures are the caller's: rethrown as they come. */
export async function tellOnly(slack: WebClient, to: OnlyTo, message: Message): Promise<void> {
  const body = typeof message === 'string' ? { text: message } : message;
  await slack.chat.postEphemeral({
    channel: to.channel,
    user: to.user,
    ...(to.threadTs ? { thread_ts: to.threadTs } : {}),
    ...body,
  });
}

/**
 * Tells only the person who clicked why nothing happened. A refusal Slack will not deliver (they left the channel,
 * LUNA was removed) is logged, not retried; a transient failure is rethrown, so the job retries (changing nothing
 * either time).
 */
export async function refuse(slack: WebClient, log: Logger, to: OnlyTo, text: string): Promise<void> {
  try {
    await tellOnly(slack, to, text);
  } catch (err) {
    if (fromSlackError(err)?.retriable && slackErrorCode(err) !== 'user_not_in_channel') throw err;
    log.warn('could not tell a user their click was refused', { channel: to.channel, user: to.user, err });
  }
}
