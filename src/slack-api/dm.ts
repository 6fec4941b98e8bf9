import type { WebClient } from '@slack/web-api';
import type { Block, KnownBlock } from '@slack/types';
import { postPart } from './post.js';
import { postedParts, type SlackThreadMessage } from './thread.js';

/**
 * The DM channel between LUNA and a person (conversations.open is idempotent on Slack's side and
 * returns the same `D…` every time), for everything that is for one person's eyes only.
 */
export async function dmChannel(slack: WebClient, userId: string): Promise<string> {
  const res = await slack.conversations.open({ users: userId, return_im: false });
  const id = res.channel?.id;
  if (!id) throw new Error(`conversations.open gave no channel for ${userId}`);
  return id;
}

/**
 * A private message marked as part `part` of job `jobId`, posted unless the DM already has it (read back
 * from the DM's history since `since`, epoch ms): a retried job never alerts the same person twice.
 */
export async function dmOnce(
  slack: WebClient,
  userId: string,
  m: { jobId: string; part: string; since: number; text: string; blocks?: Array<KnownBlock | Block> },
): Promise<string> {
  const channel = await dmChannel(slack, userId);
  const recent = await slack.conversations.history({
    channel,
    oldest: (m.since / 1000 - 60).toFixed(6),
    include_all_metadata: true,
    limit: 200,
  });
  const posted = postedParts((recent.messages ?? []) as SlackThreadMessage[], m.jobId).get(m.part);
  return (
    posted ??
    postPart(slack, { channel, jobId: m.jobId, part: m.part, text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) })
  );
}
