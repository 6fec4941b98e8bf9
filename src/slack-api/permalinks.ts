import type { WebClient } from '@slack/web-api';
import { mention } from '../domain/slack-ids.js';

export interface MessageLocation {
  channel: string;
  ts: string;
  threadTs: string;
}

/** `https://acme.slack.com/archives/` out of `https://acme.slack.com/archives/C123/p1700000000000100…`. */
const PERMALINK = /^(https:\/\/[^/]+\/archives\/)[A-Z0-9]+\/p\d+(?:\?.*)?$/;

/**
 * Permalinks for many messages with one `chat.getPermalink` call: Slack's permalinks all share the
 * workspace's `…/archives/` base, then `<channel>/p<ts without the dot>`, plus `?thread_ts=<root>&cid=<channel>`
 * for a reply. So one call (for any message) yields the base and every other link is built from it,
 * instead of 5,000 calls for a 5,000-message digest. Should Slack ever answer in another shape, each
 * message gets its own call (only cited messages are linked, so that stays bounded).
 */
export async function permalinkBuilder(
  client: WebClient,
  sample: MessageLocation,
): Promise<(m: MessageLocation) => Promise<string>> {
  const first = await client.chat.getPermalink({ channel: sample.channel, message_ts: sample.ts });
  const base = PERMALINK.exec(first.permalink ?? '')?.[1];
  if (base) return (m) => Promise.resolve(buildPermalink(base, m));
  return async (m) => (await client.chat.getPermalink({ channel: m.channel, message_ts: m.ts })).permalink ?? '';
}

export function buildPermalink(base: string, m: MessageLocation): string {
  const link = `${base}${m.channel}/p${m.ts.replace('.', '')}`;
  return m.ts === m.threadTs ? link : `${link}?thread_ts=${m.threadTs}&cid=${m.channel}`;
}

/** `<permalink|this thread>` for a message, or the channel's mention should Slack give no link. */
export async function threadLink(client: WebClient, channel: string, ts: string): Promise<string> {
  const { permalink } = await client.chat.getPermalink({ channel, message_ts: ts });
  return permalink ? `<${permalink}|this thread>` : mention(channel);
}
