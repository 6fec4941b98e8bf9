import type { SlackStore } from './slack-store.js';
import type { FakeChannel, FakeTeam } from './slack-types.js';

/**
 * Slack Connect state: which organisations a channel is shared with, and what follows from it for the
 * conversation object (docs.slack.dev/reference/objects/channel-object) and for users of other orgs.
 */

export type ShareFields = Pick<
  FakeChannel,
  | 'is_shared'
  | 'is_ext_shared'
  | 'is_org_shared'
  | 'is_pending_ext_shared'
  | 'context_team_id'
  | 'conversation_host_id'
  | 'connected_team_ids'
  | 'shared_team_ids'
  | 'internal_team_ids'
  | 'pending_connected_team_ids'
>;

/** Used when a test marks a channel `is_ext_shared` without saying with whom. */
export const PLACEHOLDER_TEAM: FakeTeam = { id: 'T0EXTERNAL', name: 'External Org', domain: 'external' };

/**
 * The conversation fields for a channel hosted by `host`, seen from `ours`, joined by `external` teams and
 * with `pending` invitations out. Shapes follow a real Slack Connect response: `connected_team_ids` lists
 * every team (host first), `shared_team_ids` the host's workspace, `internal_team_ids` is empty outside
 * Enterprise Grid; `is_org_shared` is a Grid concept and stays false.
 */
export function shareFields(ours: string, host: string, external: string[], pending: string[]): ShareFields {
  const joined = external.length > 0;
  const teams = [...new Set([host, ours, ...external])];
  return {
    is_shared: joined,
    is_ext_shared: joined,
    is_org_shared: false,
    is_pending_ext_shared: !joined && pending.length > 0,
    context_team_id: ours,
    conversation_host_id: joined ? host : ours,
    connected_team_ids: joined ? teams : [],
    shared_team_ids: [joined ? host : ours],
    internal_team_ids: [],
    pending_connected_team_ids: [...pending],
  };
}

/** Teams other than ours in a channel. */
export function externalTeams(ch: FakeChannel): string[] {
  return ch.connected_team_ids.filter((t) => t !== ch.context_team_id);
}

/** Another org joins the channel (an accepted invitation). */
export function share(store: SlackStore, ch: FakeChannel, teamId: string): void {
  store.ensureTeam(teamId);
  const external = [...new Set([...externalTeams(ch), teamId])];
  const pending = ch.pending_connected_team_ids.filter((t) => t !== teamId);
  const host = ch.is_ext_shared ? ch.conversation_host_id : store.bot.teamId;
  Object.assign(ch, shareFields(store.bot.teamId, host, external, pending));
}

/**
 * An org leaves (or is removed from) the channel. Its members go with it: the host keeps the channel and
 * its history, the other side loses access, so its users are no longer members here.
 */
export function unshare(store: SlackStore, ch: FakeChannel, teamId: string): void {
  const external = externalTeams(ch).filter((t) => t !== teamId);
  ch.members = ch.members.filter((u) => store.teamOf(u) !== teamId);
  Object.assign(ch, shareFields(store.bot.teamId, ch.conversation_host_id, external, ch.pending_connected_team_ids));
}

/**
 * `is_stranger`: "this user belongs to a different workspace than the one associated with your app's token,
 * and isn't in any shared channels visible to your app" (Slack's user object docs).
 */
export function isStranger(store: SlackStore, userId: string): boolean {
  if (!store.isExternal(userId)) return false;
  for (const ch of store.channels.values()) {
    if (ch.is_member && ch.is_ext_shared && ch.members.includes(userId)) return false;
  }
  return true;
}
