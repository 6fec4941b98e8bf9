import { externalTeams, share, unshare } from './slack-connect.js';
import {
  channelSharedEvent,
  channelUnsharedEvent,
  reactionAddedEvent,
  userMessageEvent,
  type ChannelSharedEvent,
  type ChannelUnsharedEvent,
  type ReactionAddedEvent,
  type UserMessageEvent,
} from './slack-events.js';
import { SlackStore } from './slack-store.js';
import type {
  Ephemeral,
  FakeChannel,
  FakeTeam,
  FakeUser,
  NewChannel,
  NewMessage,
  PostedVersion,
  SlackMessage,
  Usergroup,
} from './slack-types.js';

/**
 * The fake workspace as tests see it: seeding channels, users, teams and messages, and reading back what
 * the bot did. FakeSlack adds the HTTP side on top. Slack Connect (channels shared with another org) is
 * modelled from the bot's side: the bot's team hosts or joins the channel; other orgs' users are visible.
 */

export interface SharedChannelOptions {
  id: string;
  name?: string;
  /** The other organisation(s) in the channel. */
  externalTeam: FakeTeam | FakeTeam[];
  /** Members from the bot's own team (the bot is added anyway). */
  members?: string[];
  /** The other org's members: IDs, or users to create; they belong to the first external team unless they say otherwise. */
  externalMembers?: Array<string | FakeUser>;
  is_private?: boolean;
  /** Invitation sent, not accepted: `is_pending_ext_shared`, and no external members yet. */
  pending?: boolean;
  /** Whether the other org hosts the channel (it invited us). @defaultValue false */
  hostedByThem?: boolean;
}

/** What a user sees in a channel: its messages (if they are a member) and the ephemerals sent to them. */
export interface SeenMessage {
  kind: 'message' | 'ephemeral';
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}

export class FakeWorkspace {
  readonly botUserId = 'U0LUNA';
  readonly botId = 'B0LUNA';
  readonly teamId = 'T0TEAM';
  readonly appId = 'A0LUNA';
  readonly ephemerals: Ephemeral[] = [];
  /** What `usergroups.list` and `usergroups.users.list` answer from; tests may replace or edit it. */
  usergroups: Usergroup[] = [];
  protected readonly store = new SlackStore({
    userId: this.botUserId,
    botId: this.botId,
    appId: this.appId,
    teamId: this.teamId,
  });

  // ── channels, users, messages ──────────────────────────────────────────────────────────────────

  addChannel(ch: NewChannel): FakeChannel {
    return this.store.addChannel(ch);
  }

  hasChannel(id: string): boolean {
    return this.store.channels.has(id);
  }

  channel(id: string): FakeChannel | undefined {
    return this.store.channels.get(id);
  }

  addUser(user: FakeUser): void {
    if (user.team_id) this.store.ensureTeam(user.team_id);
    this.store.users.set(user.id, user);
  }

  /** Seeds a message (as if someone posted it); returns its ts. Unknown channels are created. */
  addMessage(channel: string, msg: NewMessage): string {
    return this.store.insert(channel, msg).ts;
  }

  /** Every message in the channel, oldest first, as the API would render it (metadata included). */
  messages(channel: string): SlackMessage[] {
    return this.store.raw(channel).map((m) => this.store.render(channel, m, true));
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    const m = this.store.find(channel, ts);
    return m && this.store.render(channel, m, true);
  }

  /** Parent then replies in ts order. */
  thread(channel: string, threadTs: string): SlackMessage[] {
    const root = this.store.find(channel, threadTs);
    if (!root) return [];
    return [root, ...this.store.replies(channel, threadTs)].map((m) => this.store.render(channel, m, true));
  }

  /** Messages the bot posted through the API (not seeded ones), optionally only within one thread. */
  botMessages(channel: string, threadTs?: string): SlackMessage[] {
    return this.store
      .raw(channel)
      .filter((m) => this.store.postedViaApi(channel, m.ts))
      .filter((m) => threadTs === undefined || m.thread_ts === threadTs)
      .map((m) => this.store.render(channel, m, true));
  }

  /** Whether the message is a stream still being written (chat.startStream, not yet chat.stopStream). */
  isStreaming(channel: string, ts: string): boolean {
    return this.store.isStreaming(channel, ts);
  }

  /** Replaces the member list; membership becomes strict (see `NewChannel.members`). */
  setMembers(channel: string, members: string[]): void {
    const ch = this.store.channels.get(channel) ?? this.store.addChannel({ id: channel });
    ch.members = [...members];
    ch.strict_members = true;
    for (const u of members) this.store.ensureUser(u);
  }

  // ── Slack Connect ──────────────────────────────────────────────────────────────────────────────

  /** Registers (or updates) another organisation's team, for team.info and users' `team_id`. */
  addTeam(team: FakeTeam): FakeTeam {
    this.store.teams.set(team.id, { ...team });
    return team;
  }

  /** A user of another organisation; their team is registered if new. A stranger until they share a channel. */
  addExternalUser(user: FakeUser & { team_id: string }): FakeUser {
    this.addUser(user);
    return user;
  }

  /** A channel shared with another org (Slack Connect), with members on both sides. */
  addSharedChannel(o: SharedChannelOptions): FakeChannel {
    const teams = Array.isArray(o.externalTeam) ? o.externalTeam : [o.externalTeam];
    if (teams.length === 0) throw new Error('FakeSlack.addSharedChannel: externalTeam is empty');
    for (const t of teams) this.addTeam(t);
    const external = (o.externalMembers ?? []).map((m) => this.externalMember(m, teams[0]!.id));
    return this.store.addChannel({
      id: o.id,
      ...(o.name ? { name: o.name } : {}),
      ...(o.is_private !== undefined ? { is_private: o.is_private } : {}),
      connectedTeams: teams.map((t) => t.id),
      is_ext_shared: !o.pending,
      ...(o.pending ? { pending: true } : {}),
      ...(o.hostedByThem ? { hostTeamId: teams[0]!.id } : {}),
      members: [...(o.members ?? []), ...(o.pending ? [] : external)],
    });
  }

  /**
   * Another org joins the channel (now or additionally); `members` are theirs joining with it. Returns the
   * `channel_shared` event Slack sends for it.
   */
  shareChannel(channel: string, team: FakeTeam | string, members: Array<string | FakeUser> = []): ChannelSharedEvent {
    const ch = this.requireChannel(channel);
    const teamId = typeof team === 'string' ? team : this.addTeam(team).id;
    share(this.store, ch, teamId);
    for (const m of members) {
      const id = this.externalMember(m, teamId);
      if (!ch.members.includes(id)) ch.members.push(id);
    }
    ch.strict_members = true;
    return channelSharedEvent(ch.id, teamId);
  }

  /** The org leaves the channel, taking its members along. Returns the `channel_unshared` event. */
  unshareChannel(channel: string, teamId: string): ChannelUnsharedEvent {
    const ch = this.requireChannel(channel);
    if (!externalTeams(ch).includes(teamId))
      throw new Error(`FakeSlack.unshareChannel: ${channel} is not shared with ${teamId}`);
    unshare(this.store, ch, teamId);
    return channelUnsharedEvent(ch.id, teamId, ch.is_ext_shared);
  }

  /**
   * The `app_mention` / `message` event for a person posting in a channel, with `team`, `user_team` and
   * `source_team` set to the author's team. The message is seeded too (unless `ts` names one that exists).
   */
  userEvent(o: {
    user: string;
    channel: string;
    text?: string;
    type?: 'app_mention' | 'message';
    threadTs?: string;
    ts?: string;
  }): UserMessageEvent {
    const ch = this.store.channels.get(o.channel) ?? this.store.addChannel({ id: o.channel });
    const text = o.text ?? `<@${this.botUserId}> hello`;
    const exists = o.ts !== undefined && this.store.find(ch.id, o.ts) !== undefined;
    const ts = exists
      ? o.ts!
      : this.addMessage(ch.id, {
          user: o.user,
          text,
          ...(o.ts ? { ts: o.ts } : {}),
          ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
        });
    const u = this.store.ensureUser(o.user);
    const team = this.store.teamOf(o.user);
    const name = u.name ?? u.id.toLowerCase();
    return userMessageEvent({
      type: o.type ?? 'app_mention',
      user: o.user,
      team,
      channel: ch.id,
      text,
      ts,
      ...(o.threadTs ? { threadTs: o.threadTs } : {}),
      channelType: ch.is_im ? 'im' : ch.is_private ? 'group' : 'channel',
      ...(this.store.isExternal(o.user)
        ? {
            profile: {
              name,
              real_name: u.real_name ?? name,
              display_name: u.display_name ?? name,
              team,
              is_restricted: false,
              is_ultra_restricted: false,
            },
          }
        : {}),
    });
  }

  /**
   * A person adds an emoji reaction to a message, as in Slack: the message must exist, the person must be
   * able to see the channel, the name has no colons, and the same person cannot add the same emoji twice.
   * The reaction is stored on the message (so reads show it) and the `reaction_added` event is returned.
   */
  react(o: { user: string; channel: string; ts: string; reaction: string }): ReactionAddedEvent {
    const ch = this.requireChannel(o.channel);
    const msg = this.store.find(ch.id, o.ts);
    if (!msg) throw new Error(`FakeSlack.react: no message ${o.ts} in ${o.channel}`);
    if (!this.store.isMember(ch, o.user)) throw new Error(`FakeSlack.react: ${o.user} cannot see ${o.channel}`);
    if (!/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/.test(o.reaction))
      throw new Error(`FakeSlack.react: "${o.reaction}" is not an emoji name (no colons)`);
    msg.reactions ??= [];
    const r = msg.reactions.find((x) => x.name === o.reaction);
    if (r?.users.includes(o.user))
      throw new Error(`FakeSlack.react: ${o.user} already reacted with ${o.reaction} (already_reacted)`);
    if (r) {
      r.users.push(o.user);
      r.count++;
    } else msg.reactions.push({ name: o.reaction, users: [o.user], count: 1 });
    return reactionAddedEvent({ user: o.user, reaction: o.reaction, channel: ch.id, ts: msg.ts, itemUser: msg.user });
  }

  // ── what people saw ────────────────────────────────────────────────────────────────────────────

  /** Messages the bot posted in its DM with the user (via the D… ID or the user ID), with the DM's ID. */
  dmsTo(userId: string): Array<SlackMessage & { channel: string; dmWith: string }> {
    const im = [...this.store.channels.values()].find((c) => c.is_im && c.user === userId);
    return im ? this.botMessages(im.id).map((m) => ({ ...m, channel: im.id, dmWith: userId })) : [];
  }

  /** What `userId` can see in the channel: its messages if they are a member, plus ephemerals sent to them. */
  visibleTo(userId: string, channel: string): SeenMessage[] {
    const ch = this.store.channels.get(channel);
    if (!ch) return [];
    const member = ch.is_im ? ch.user === userId || userId === this.botUserId : this.store.isMember(ch, userId);
    const seen: SeenMessage[] = member
      ? this.messages(channel).map((m) => ({
          kind: 'message' as const,
          ts: m.ts,
          ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks } : {}),
        }))
      : [];
    for (const e of this.ephemerals) {
      if (e.channel !== channel || e.user !== userId) continue;
      seen.push({
        kind: 'ephemeral',
        ts: e.message_ts,
        ...(e.thread_ts ? { thread_ts: e.thread_ts } : {}),
        text: e.text,
        ...(e.blocks ? { blocks: e.blocks } : {}),
      });
    }
    return seen;
  }

  /**
   * Every version of every message the bot posted into the channel — top level and in threads, each
   * chat.update as its own entry, deleted messages included — with `visibleText` flattening text, blocks
   * and attachments. What a test scans to prove nothing internal ever reached a shared channel.
   */
  postedIn(channel: string): PostedVersion[] {
    return this.store.posted.filter((v) => v.channel === channel);
  }

  /** Adds a user group or replaces the one with the same ID. */
  setUsergroup(group: Usergroup): void {
    const i = this.usergroups.findIndex((g) => g.id === group.id);
    if (i >= 0) this.usergroups[i] = group;
    else this.usergroups.push(group);
  }

  private requireChannel(id: string): FakeChannel {
    const ch = this.store.channels.get(id);
    if (!ch) throw new Error(`FakeSlack: no channel ${id}`);
    return ch;
  }

  private externalMember(m: string | FakeUser, teamId: string): string {
    const user = typeof m === 'string' ? (this.store.users.get(m) ?? { id: m }) : m;
    this.addUser({ ...user, team_id: user.team_id ?? teamId });
    return user.id;
  }
}
