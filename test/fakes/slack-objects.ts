import { isStranger } from './slack-connect.js';
import type { SlackStore } from './slack-store.js';
import type { FakeChannel, FakeTeam, FakeUser } from './slack-types.js';

/** The conversation, user and team objects as Slack's API renders them. */

export function channelObject(store: SlackStore, ch: FakeChannel): Record<string, unknown> {
  if (ch.is_im) {
    return {
      id: ch.id,
      created: ch.created,
      is_im: true,
      is_org_shared: false,
      context_team_id: ch.context_team_id,
      user: ch.user,
      is_user_deleted: store.users.get(ch.user ?? '')?.deleted ?? false,
    };
  }
  const shared = ch.is_ext_shared || ch.is_pending_ext_shared;
  return {
    id: ch.id,
    name: ch.name,
    name_normalized: ch.name,
    is_channel: !ch.is_private,
    is_group: ch.is_private,
    is_im: false,
    is_mpim: false,
    is_private: ch.is_private,
    is_archived: false,
    is_general: false,
    is_shared: ch.is_shared,
    is_ext_shared: ch.is_ext_shared,
    is_org_shared: ch.is_org_shared,
    is_pending_ext_shared: ch.is_pending_ext_shared,
    pending_shared: ch.pending_connected_team_ids,
    pending_connected_team_ids: ch.pending_connected_team_ids,
    context_team_id: ch.context_team_id,
    shared_team_ids: ch.shared_team_ids,
    // Slack includes the connection fields on shared channels; a workspace-only channel has none.
    ...(shared
      ? {
          connected_team_ids: ch.connected_team_ids,
          internal_team_ids: ch.internal_team_ids,
          connected_limited_team_ids: [],
          conversation_host_id: ch.conversation_host_id,
        }
      : {}),
    is_member: ch.is_member,
    created: ch.created,
    creator: 'U0CREATOR',
  };
}

/**
 * A user object. Another org's user carries their own `team_id` and `profile.team`, no `enterprise_user`
 * (no Enterprise Grid here), and `is_stranger: true` only while they share no channel with the app.
 */
export function userObject(store: SlackStore, u: FakeUser): Record<string, unknown> {
  const name = u.name ?? u.id.toLowerCase();
  const real = u.real_name ?? name;
  const team = store.teamOf(u.id);
  const external = team !== store.bot.teamId;
  return {
    id: u.id,
    team_id: team,
    name,
    deleted: u.deleted ?? false,
    real_name: real,
    tz: u.tz ?? 'Europe/Berlin',
    is_bot: u.is_bot ?? false,
    is_app_user: false,
    is_restricted: false,
    is_ultra_restricted: false,
    ...(external && isStranger(store, u.id) ? { is_stranger: true } : {}),
    profile: {
      display_name: u.display_name ?? name,
      display_name_normalized: u.display_name ?? name,
      real_name: real,
      real_name_normalized: real,
      team,
      ...(u.email ? { email: u.email } : {}),
      ...(u.is_bot && u.id === store.bot.userId ? { bot_id: store.bot.botId } : {}),
    },
  };
}

export function teamObject(t: FakeTeam): Record<string, unknown> {
  const img = (px: number) => `https://avatars.slack.test/${t.id}_${px}.png`;
  return {
    id: t.id,
    name: t.name,
    url: `https://${t.domain}.slack.test/`,
    domain: t.domain,
    email_domain: t.email_domain ?? '',
    icon: t.icon ?? {
      image_34: img(34),
      image_44: img(44),
      image_68: img(68),
      image_88: img(88),
      image_102: img(102),
      image_132: img(132),
      image_default: true,
    },
    avatar_base_url: 'https://avatars.slack.test/',
    is_verified: t.is_verified ?? false,
  };
}
