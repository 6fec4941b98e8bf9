import { z } from 'zod';
import { escapeAngles } from './text.js';

// Slack's ids and timestamps, parsed where a request comes in and again in every job payload: uppercase
// letters and digits behind the kind's letter, of bounded length. Nothing else becomes a job id, a Redis key or
// a mention, so a hostile value (`<http://evil.example|click me>`, a lone UTF-16 surrogate, 100 kB) is refused at
// the edge instead of rendered, stored or queued.

/** Longest id accepted (Slack's are 9–11 characters today). */
export const MAX_ID_LENGTH = 32;

const USER = /^[UWB][A-Z0-9]{2,31}$/;
const CHANNEL = /^[CGD][A-Z0-9]{2,31}$/;
const GROUP = /^S[A-Z0-9]{2,31}$/;

/** A person: U…, W… (Enterprise Grid), or a bot user B…. */
export const UserId = z.string().regex(USER);
/** A conversation: public channel C…, private channel or group DM G…, direct message D…. */
export const ChannelId = z.string().regex(CHANNEL);
/** A user group (`<!subteam^S…>`). */
export const UsergroupId = z.string().regex(GROUP);
/** A workspace T…, or an Enterprise Grid organisation E… (what Slack sends as the team of an org-wide install). */
export const TeamId = z.string().regex(/^[TE][A-Z0-9]{1,31}$/);
export const EnterpriseId = z.string().regex(/^E[A-Z0-9]{1,31}$/);

/** A message timestamp (`1700000000.000100`), which is also the message's id within its channel. */
export const SlackTs = z.string().regex(/^\d{10}\.\d{6}$/);
/** When a button was clicked or a shortcut used (`action_ts`): a timestamp of the same shape. */
export const ActionTs = SlackTs;
/** A slash command's or shortcut's `trigger_id` (opaque to us: digits, dots and hex), bounded. */
export const TriggerId = z.string().regex(/^[A-Za-z0-9.]{1,100}$/);

export const isUserId = (s: string): boolean => USER.test(s);
export const isChannelId = (s: string): boolean => CHANNEL.test(s);
/** A direct message's conversation: its id starts with D. */
export const isDirectMessageId = (channel: string): boolean => channel.startsWith('D');

/**
 * The one way an id becomes a mention in mrkdwn: a person as `<@U…>`, a conversation as `<#C…>`, a user group
 * as `<!subteam^S…>` — and anything that is not a well-formed id of one of those kinds as the plain, escaped
 * text it is, so it can never turn into a link, a broadcast or somebody else's mention.
 */
export function mention(id: string): string {
  if (USER.test(id)) return `<@${id}>`;
  if (CHANNEL.test(id)) return `<#${id}>`;
  if (GROUP.test(id)) return `<!subteam^${id}>`;
  return escapeAngles(id);
}

/** How a mention of this person looks in the text Slack sends (`<@U…>`, or `<@U…|name>`), to find or strip it. */
export function mentionPattern(userId: string, flags = ''): RegExp {
  return new RegExp(`<@${userId.replace(/[^A-Z0-9]/g, '')}(\\|[^>]*)?>`, flags);
}

/** A message's words without `userId`'s mentions (LUNA's own, in a question to LUNA), trimmed. */
export function wordsBesides(userId: string, text: string | undefined): string {
  return (text ?? '').replace(mentionPattern(userId, 'g'), '').trim();
}
