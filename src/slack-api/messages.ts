import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from './errors.js';
import { readThread, type SlackThreadMessage } from './thread.js';

/** A message LUNA knows by id only (channel, ts, thread root). */
export interface MessageId {
  channel: string;
  ts: string;
  threadTs: string;
}

/**
 * The current text of messages known by id, read from Slack (LUNA keeps ids, not customers' words):
 * top-level messages with one `conversations.history` window per channel, replies with one
 * `conversations.replies` per thread. A message deleted since is simply absent from the result.
 */
export async function readMessages(
  slack: WebClient,
  ids: readonly MessageId[],
): Promise<Map<string, SlackThreadMessage>> {
  const out = new Map<string, SlackThreadMessage>();
  const wanted = new Set(ids.map((m) => keyOf(m)));
  const topByChannel = new Map<string, string[]>();
  const threads = new Map<string, MessageId>();
  for (const m of ids) {
    if (m.ts === m.threadTs) topByChannel.set(m.channel, [...(topByChannel.get(m.channel) ?? []), m.ts]);
    else threads.set(`${m.channel}/${m.threadTs}`, m);
  }
  for (const [channel, list] of topByChannel) {
    const sorted = [...list].sort((a, b) => Number(a) - Number(b));
    let cursor: string | undefined;
    do {
      const page = await slack.conversations.history({
        channel,
        oldest: sorted[0]!,
        latest: sorted.at(-1)!,
        inclusive: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      for (const m of (page.messages ?? []) as SlackThreadMessage[])
        if (wanted.has(`${channel}/${m.ts}`)) out.set(`${channel}/${m.ts}`, m);
      cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
    } while (cursor);
  }
  for (const t of threads.values()) {
    const thread = await readThread(slack, t.channel, t.threadTs).catch((err: unknown) => {
      if (slackErrorCode(err) === 'thread_not_found') return []; // deleted since
      throw err;
    });
    for (const m of thread) if (wanted.has(`${t.channel}/${m.ts}`)) out.set(`${t.channel}/${m.ts}`, m);
  }
  return out;
}

export function keyOf(m: { channel: string; ts: string }): string {
  return `${m.channel}/${m.ts}`;
}
