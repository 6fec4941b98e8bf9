import type { WebClient } from '@slack/web-api';
import type { ThreadMessage } from '../domain/thread-budget.js';

/** Marks every message LUNA posts, so a retried job can see what it already said (Slack is the record). */
export const ANSWER_EVENT_TYPE = 'luna_answer';

export interface SlackThreadMessage {
  ts: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** The whole thread, parent first, following cursors past Slack's 1,000-message page limit. */
export async function readThread(client: WebClient, channel: string, ts: string): Promise<SlackThreadMessage[]> {
  const out: SlackThreadMessage[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await client.conversations.replies({
      channel,
      ts,
      limit: 1000,
      include_all_metadata: true,
      ...(cursor ? { cursor } : {}),
    });
    // Some pages repeat the parent; keep each message once.
    for (const m of (page.messages ?? []) as SlackThreadMessage[]) {
      if (seen.has(m.ts)) continue;
      seen.add(m.ts);
      out.push(m);
    }
    cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor);
  return out;
}

/**
 * The thread as it stood when LUNA was asked: nothing after the asking message (a later mention in the
 * same thread is its own job), but LUNA's answers to earlier questions, placed right after them even
 * though they were posted later.
 */
export function threadAsAsked(messages: SlackThreadMessage[], askedTs: string): SlackThreadMessage[] {
  const position = (m: SlackThreadMessage) => Number(m.metadata?.event_payload?.asked_ts ?? m.ts);
  return messages
    .map((m, i) => ({ m, i, at: position(m) }))
    .filter((x) => x.i === 0 || x.at <= Number(askedTs))
    .sort((a, b) => (a.i === 0 ? -1 : b.i === 0 ? 1 : a.at - b.at || a.i - b.i))
    .map((x) => x.m);
}

/**
 * The marker on every message a job posts: `postedParts` reads it back, so a retried job knows which of
 * its parts Slack already has (Slack itself is the record of what was said).
 */
export function partMetadata(jobId: string, part: number | string, extra: Record<string, string | number> = {}) {
  return { event_type: ANSWER_EVENT_TYPE, event_payload: { job_id: jobId, part, ...extra } };
}

/** Who wrote in the thread, LUNA itself left out, in the thread's order (repeats kept). */
export function participantsOf(messages: SlackThreadMessage[], botUserId: string): string[] {
  return messages.flatMap((m) => (m.user && m.user !== botUserId ? [m.user] : []));
}

/** Which parts of a job's answer are already in the thread (part index → ts). */
export function postedParts(messages: SlackThreadMessage[], jobId: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const m of messages) {
    const p = m.metadata?.event_type === ANSWER_EVENT_TYPE ? m.metadata.event_payload : undefined;
    if (p && p.job_id === jobId) parts.set(String(p.part), m.ts);
  }
  return parts;
}

export function toThreadMessages(messages: SlackThreadMessage[], botUserId: string, botId: string): ThreadMessage[] {
  return messages
    .filter((m) => (m.text ?? '').trim() !== '' || m.ts === messages[0]?.ts)
    .map((m) => {
      const fromLuna = m.user === botUserId || m.bot_id === botId || m.metadata?.event_type === ANSWER_EVENT_TYPE;
      return {
        ts: m.ts,
        ...(m.user ? { user: m.user } : {}),
        fromLuna,
        fromBot: !fromLuna && Boolean(m.bot_id),
        text: m.text ?? '',
      };
    });
}
