import type { WebClient } from '@slack/web-api';
import { compareTs, tsOf } from '../domain/digest.js';
import { readThread, type SlackThreadMessage } from './thread.js';

/** People and integrations posting feedback; joins, topic changes and the like are not feedback. */
const FEEDBACK_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'bot_message']);

/**
 * Replies can arrive in old threads, whose parents lie before the watermark; parents this far back are
 * still checked for new replies. A reply to a thread started earlier than this is not collected.
 */
export const THREAD_LOOKBACK_DAYS = 90;

interface HistoryMessage extends SlackThreadMessage {
  reply_count?: number;
  latest_reply?: string;
}

/**
 * The channel's threads with messages after `since`, oldest first: each is its parent (kept for context
 * even when older) followed by the new messages. Reads `conversations.history` page by page for parents,
 * then `conversations.replies` (paginated) for each thread that has new replies. No upper bound on our
 * clock: the caller moves its watermark to the newest message it actually read, so clock skew between
 * LUNA and Slack, or a message posted mid-read, can delay a message to the next run but never skip it.
 */
export async function threadsWithNewMessages(
  client: WebClient,
  channel: string,
  since: string,
): Promise<SlackThreadMessage[][]> {
  const sinceMs = Number(since.split('.')[0]) * 1000;
  const oldest = tsOf(Math.max(0, sinceMs - THREAD_LOOKBACK_DAYS * 86_400_000));
  const parents: HistoryMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.history({ channel, oldest, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const m of (page.messages ?? []) as HistoryMessage[]) {
      if (!m.ts || m.subtype === 'thread_broadcast' || !FEEDBACK_SUBTYPES.has(m.subtype)) continue;
      const posted = compareTs(m.ts, since) > 0;
      const repliedTo =
        (m.reply_count ?? 0) > 0 && m.latest_reply !== undefined && compareTs(m.latest_reply, since) > 0;
      if (posted || repliedTo) parents.push(m);
    }
    cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor);
  parents.sort((a, b) => compareTs(a.ts, b.ts));

  const isNew = (m: SlackThreadMessage) => compareTs(m.ts, since) > 0 && FEEDBACK_SUBTYPES.has(m.subtype);
  const threads: SlackThreadMessage[][] = [];
  for (const parent of parents) {
    if ((parent.reply_count ?? 0) === 0) {
      threads.push([parent]);
      continue;
    }
    const [root = parent, ...replies] = await readThread(client, channel, parent.ts);
    const fresh = replies.filter(isNew);
    // An old parent whose only new replies are not feedback (joins, topic changes) is not news.
    if (fresh.length > 0 || isNew(root)) threads.push([root, ...fresh]);
  }
  return threads;
}
