import { isStranger } from './slack-connect.js';
import type { MethodHandler } from './slack-context.js';
import { bool, fail, str } from './slack-context.js';
import { channelObject, teamObject, userObject } from './slack-objects.js';

/**
 * People and organisations: users.info, team.info, conversations.open (DMs) and user groups, with the
 * documented errors. Users and teams of other organisations (Slack Connect) are first-class here.
 */

const usersInfo: MethodHandler = (ctx, args) => {
  const id = str(args.user);
  const u = id ? ctx.store.users.get(id) : undefined;
  if (!u) fail('user_not_found');
  return { ok: true, user: userObject(ctx.store, u) };
};

/** `team` may name another org's team the workspace is connected to; without it, the bot's own team. */
const teamInfo: MethodHandler = (ctx, args) => {
  const id = str(args.team);
  // Lookup by domain only works inside an Enterprise org, which this workspace is not.
  if (!id && str(args.domain)) fail('team_not_on_enterprise');
  const t = ctx.store.teams.get(id || ctx.store.bot.teamId);
  if (!t) fail('team_not_found');
  return { ok: true, team: teamObject(t) };
};

function missing(field: string): never {
  fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] missing required field: ${field}`] } });
}

/**
 * Opens (or resumes) the DM with one user; its ID is stable per user. Multi-person DMs are not modelled.
 * Bots cannot DM other bots (`cannot_dm_bot`, what Slack answers in practice), and another org's user the
 * app shares no channel with cannot be messaged (`invalid_user_combination`).
 */
const conversationsOpen: MethodHandler = (ctx, args) => {
  const users = (str(args.users) ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const channelId = str(args.channel);
  const render = (ch: ReturnType<typeof ctx.store.imWith>) =>
    bool(args.return_im) ? channelObject(ctx.store, ch) : { id: ch.id };
  if (users.length === 0 && channelId) {
    const ch = ctx.store.channels.get(channelId);
    if (!ch) fail('channel_not_found');
    if (!ch.is_im) fail('method_not_supported_for_channel_type');
    return { ok: true, no_op: true, already_open: true, channel: render(ch) };
  }
  if (users.length === 0) fail('users_list_not_supplied');
  if (users.length > 8) fail('too_many_users');
  for (const id of users) {
    const u = ctx.store.users.get(id);
    if (!u) fail('user_not_found');
    if (u.deleted) fail('user_disabled');
  }
  if (users.length > 1) fail('not_supported_in_fake');
  const user = ctx.store.users.get(users[0]!)!;
  if (user.is_bot) fail('cannot_dm_bot');
  if (isStranger(ctx.store, user.id)) fail('invalid_user_combination');
  const existed = [...ctx.store.channels.values()].some((c) => c.is_im && c.user === user.id);
  const ch = ctx.store.imWith(user.id);
  return { ok: true, ...(existed ? { no_op: true, already_open: true } : {}), channel: render(ch) };
};

const usergroupsList: MethodHandler = (ctx, args) => {
  const withUsers = bool(args.include_users);
  const withCount = bool(args.include_count);
  const withDisabled = bool(args.include_disabled);
  return {
    ok: true,
    usergroups: ctx.usergroups
      .filter((g) => withDisabled || !g.disabled)
      .map((g) => ({
        id: g.id,
        team_id: ctx.store.bot.teamId,
        is_usergroup: true,
        name: g.name ?? g.handle,
        handle: g.handle,
        description: '',
        is_external: false,
        date_delete: g.disabled ? 1_700_000_000 : 0,
        // Slack includes counts and member IDs only when asked to.
        ...(withCount ? { user_count: g.users?.length ?? 0 } : {}),
        ...(withUsers ? { users: g.users ?? [] } : {}),
      })),
  };
};

/** A disabled group is found only with `include_disabled` ("Allow results that involve disabled User Groups"). */
const usergroupsUsersList: MethodHandler = (ctx, args) => {
  const id = str(args.usergroup);
  if (!id) missing('usergroup');
  const g = ctx.usergroups.find((x) => x.id === id);
  if (!g || (g.disabled && !bool(args.include_disabled))) fail('no_such_subteam');
  return { ok: true, users: [...(g.users ?? [])] };
};

export const connectMethods: Record<string, MethodHandler> = {
  'users.info': usersInfo,
  'team.info': teamInfo,
  'conversations.open': conversationsOpen,
  'usergroups.list': usergroupsList,
  'usergroups.users.list': usergroupsUsersList,
};
