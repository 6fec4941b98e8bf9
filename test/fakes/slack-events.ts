import { randomUUID } from 'node:crypto';

/**
 * Events API payloads (the inner `event`; wrap them with `eventEnvelope` from test/helpers/slack-sign.ts,
 * passing `isExtSharedChannel` for a Slack Connect channel). Shapes follow Slack's event reference.
 */

/** docs.slack.dev/reference/events/channel_shared — `connected_team_id` is the team that joined. */
export interface ChannelSharedEvent {
  type: 'channel_shared';
  connected_team_id: string;
  channel: string;
  event_ts: string;
}

/**
 * docs.slack.dev/reference/events/channel_unshared — `previously_connected_team_id` is the team removed;
 * `is_ext_shared` says whether the channel is still shared with some other org.
 */
export interface ChannelUnsharedEvent {
  type: 'channel_unshared';
  previously_connected_team_id: string;
  channel: string;
  is_ext_shared: boolean;
  event_ts: string;
}

/**
 * An `app_mention` or `message` event from a person. `team`, `user_team` and `source_team` carry the
 * author's team (another org's for a Slack Connect user), as Slack's message events do; `user_profile` is
 * included for another org's users, whom the receiving workspace cannot otherwise see in its directory.
 */
export interface UserMessageEvent {
  type: 'app_mention' | 'message';
  client_msg_id: string;
  user: string;
  text: string;
  ts: string;
  event_ts: string;
  channel: string;
  team: string;
  user_team: string;
  source_team: string;
  thread_ts?: string;
  /** Only on `message` events. */
  channel_type?: 'channel' | 'group' | 'im';
  user_profile?: {
    name: string;
    real_name: string;
    display_name: string;
    team: string;
    is_restricted: boolean;
    is_ultra_restricted: boolean;
  };
}

/**
 * docs.slack.dev/reference/events/reaction_added — `user` reacted; `item_user` wrote the message (absent for
 * messages no user wrote, e.g. webhooks); `item` is a brief reference (files no longer get reaction events).
 */
export interface ReactionAddedEvent {
  type: 'reaction_added';
  user: string;
  reaction: string;
  item_user?: string;
  item: { type: 'message'; channel: string; ts: string };
  event_ts: string;
}

export function reactionAddedEvent(
  o: { user: string; reaction: string; channel: string; ts: string; itemUser?: string | undefined },
  eventTs = nowTs(),
): ReactionAddedEvent {
  return {
    type: 'reaction_added',
    user: o.user,
    reaction: o.reaction,
    ...(o.itemUser ? { item_user: o.itemUser } : {}),
    item: { type: 'message', channel: o.channel, ts: o.ts },
    event_ts: eventTs,
  };
}

function nowTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

export function channelSharedEvent(channel: string, connectedTeamId: string, eventTs = nowTs()): ChannelSharedEvent {
  return { type: 'channel_shared', connected_team_id: connectedTeamId, channel, event_ts: eventTs };
}

export function channelUnsharedEvent(
  channel: string,
  previousTeamId: string,
  stillExtShared: boolean,
  eventTs = nowTs(),
): ChannelUnsharedEvent {
  return {
    type: 'channel_unshared',
    previously_connected_team_id: previousTeamId,
    channel,
    is_ext_shared: stillExtShared,
    event_ts: eventTs,
  };
}

export interface UserMessageInput {
  type: 'app_mention' | 'message';
  user: string;
  team: string;
  channel: string;
  text: string;
  ts: string;
  threadTs?: string;
  channelType?: 'channel' | 'group' | 'im';
  profile?: UserMessageEvent['user_profile'];
}

export function userMessageEvent(i: UserMessageInput): UserMessageEvent {
  return {
    type: i.type,
    client_msg_id: randomUUID(),
    user: i.user,
    text: i.text,
    ts: i.ts,
    event_ts: i.ts,
    channel: i.channel,
    team: i.team,
    user_team: i.team,
    source_team: i.team,
    ...(i.threadTs ? { thread_ts: i.threadTs } : {}),
    ...(i.type === 'message' ? { channel_type: i.channelType ?? 'channel' } : {}),
    ...(i.profile ? { user_profile: i.profile } : {}),
  };
}
