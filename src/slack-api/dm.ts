import type { WebClient } from '@slack/web-api';

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
