import { PLACEHOLDER_TEAM, shareFields } from './slack-connect.js';
import { flattenText } from './slack-text.js';
import type {
  FakeChannel,
  FakeTeam,
  FakeUser,
  NewChannel,
  NewMessage,
  PostedVersion,
  SlackMessage,
} from './slack-types.js';

/**
 * The fake workspace's state: channels, users and messages. Messages are kept per channel in ts order;
 * thread summaries (reply_count, latest_reply, …) are computed when rendered, as Slack does.
 */

const TS_RE = /^\d{10}\.\d{6}$/;

export function isTs(v: unknown): v is string {
  return typeof v === 'string' && TS_RE.test(v);
}

/** Slack ts strings → integer microseconds; exact (a float would lose the last digit). */
export function tsMicros(ts: string): number {
  const [sec = '0', micro = '0'] = ts.split('.');
  return Number(sec) * 1_000_000 + Number(micro.padEnd(6, '0').slice(0, 6));
}

export function microsToTs(n: number): string {
  return `${Math.floor(n / 1_000_000)}.${String(n % 1_000_000).padStart(6, '0')}`;
}

export function cmpTs(a: string, b: string): number {
  return tsMicros(a) - tsMicros(b);
}

export class SlackStore {
  readonly channels = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeUser>();
  /** The bot's own team and every other org's team the tests introduced. */
  readonly teams = new Map<string, FakeTeam>();
  /** Every version of every message the bot posted, deleted ones included: once seen, always seen. */
  readonly posted: PostedVersion[] = [];
  private readonly byChannel = new Map<string, SlackMessage[]>();
  private readonly viaApi = new Set<string>();
  /** Messages in streaming state (`channel/ts`): chat.startStream until chat.stopStream. */
  private readonly streamingNow = new Set<string>();
  private lastMicros = 0;

  constructor(readonly bot: { userId: string; botId: string; appId: string; teamId: string }) {
    this.users.set(bot.userId, { id: bot.userId, name: 'luna', real_name: 'LUNA', display_name: 'LUNA', is_bot: true });
    this.teams.set(bot.teamId, { id: bot.teamId, name: 'Fake Team', domain: 'fake', email_domain: 'fake.test' });
  }

  ensureTeam(id: string): FakeTeam {
    let t = this.teams.get(id);
    if (!t) {
      t = id === PLACEHOLDER_TEAM.id ? { ...PLACEHOLDER_TEAM } : { id, name: `Team ${id}`, domain: id.toLowerCase() };
      this.teams.set(id, t);
    }
    return t;
  }

  teamOf(userId: string): string {
    return this.users.get(userId)?.team_id ?? this.bot.teamId;
  }

  /** A user of another organisation (Slack Connect). */
  isExternal(userId: string): boolean {
    return this.teamOf(userId) !== this.bot.teamId;
  }

  /**
   * Unique, increasing ts values near the wall clock, so time-window reads (`oldest = now - 7d`) behave
   * as in production. Bursts get 100 µs apart.
   */
  nextTs(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 100);
    return microsToTs(this.lastMicros);
  }

  addChannel(ch: NewChannel): FakeChannel {
    const isIm = ch.is_im ?? ch.id.startsWith('D');
    const isMember = ch.is_member ?? true;
    const members = new Set(ch.members ?? []);
    if (isMember) members.add(this.bot.userId);
    if (isIm && ch.user) members.add(ch.user);
    const host = ch.hostTeamId ?? this.bot.teamId;
    let teams = [...(ch.connectedTeams ?? [])];
    if (host !== this.bot.teamId && !teams.includes(host)) teams.unshift(host);
    if ((ch.is_ext_shared || ch.pending) && teams.length === 0) teams = [PLACEHOLDER_TEAM.id];
    for (const t of teams) this.ensureTeam(t);
    const external = ch.pending ? [] : teams.filter((t) => t !== this.bot.teamId);
    const channel: FakeChannel = {
      id: ch.id,
      name: ch.name ?? (isIm ? '' : ch.id.toLowerCase()),
      is_im: isIm,
      is_private: ch.is_private ?? ch.id.startsWith('G'),
      is_member: isMember,
      members: [...members],
      strict_members: ch.members !== undefined || isIm,
      created: Math.floor(Date.now() / 1000),
      ...shareFields(this.bot.teamId, host, external, ch.pending ? teams : []),
      ...(ch.user ? { user: ch.user } : {}),
    };
    this.channels.set(ch.id, channel);
    if (!this.byChannel.has(ch.id)) this.byChannel.set(ch.id, []);
    for (const u of channel.members) this.ensureUser(u);
    return channel;
  }

  /**
   * Whether `user` is in the channel. A channel whose members were never listed takes any user of the
   * bot's own team (see `NewChannel.members`); another org's users are only ever in channels that list them.
   */
  isMember(ch: FakeChannel, user: string): boolean {
    if (ch.members.includes(user)) return true;
    return !ch.strict_members && !ch.is_im && !this.isExternal(user);
  }

  ensureUser(id: string): FakeUser {
    let u = this.users.get(id);
    if (!u) {
      u = { id, name: id.toLowerCase(), real_name: `User ${id}`, display_name: `user-${id.toLowerCase()}` };
      this.users.set(id, u);
    }
    return u;
  }

  /** The IM between the bot and a user, opened on first use like `conversations.open`; its ID is stable per user. */
  imWith(userId: string): FakeChannel {
    for (const ch of this.channels.values()) if (ch.is_im && ch.user === userId) return ch;
    let id = `D${userId.replace(/^[UW]/, '')}`;
    // U0X and W0X would collide; a suffix keeps both IDs distinct and stable.
    for (let n = 2; this.channels.has(id); n++) id = `D${userId.replace(/^[UW]/, '')}${n}`;
    return this.addChannel({ id, is_im: true, user: userId });
  }

  insert(channel: string, m: NewMessage, extra: Partial<SlackMessage> = {}, viaApi = false): SlackMessage {
    if (!this.channels.has(channel)) this.addChannel({ id: channel });
    const list = this.byChannel.get(channel)!;
    let ts = m.ts;
    if (ts === undefined) ts = this.nextTs();
    else {
      if (!TS_RE.test(ts)) throw new Error(`FakeSlack: ts must look like 1700000000.000100, got ${ts}`);
      if (list.some((x) => x.ts === ts))
        throw new Error(`FakeSlack: channel ${channel} already has a message with ts ${ts}`);
      this.lastMicros = Math.max(this.lastMicros, tsMicros(ts));
    }
    if (m.thread_ts !== undefined && m.thread_ts !== ts && !list.some((x) => x.ts === m.thread_ts)) {
      throw new Error(`FakeSlack: thread parent ${m.thread_ts} does not exist in ${channel}`);
    }
    const parent = m.thread_ts !== undefined && m.thread_ts !== ts ? list.find((x) => x.ts === m.thread_ts) : undefined;
    const msg: SlackMessage = {
      type: 'message',
      ts,
      text: m.text,
      ...(m.user !== undefined ? { user: m.user } : {}),
      ...(m.bot_id !== undefined ? { bot_id: m.bot_id } : {}),
      ...(m.subtype !== undefined ? { subtype: m.subtype } : {}),
      ...(m.thread_ts !== undefined ? { thread_ts: m.thread_ts } : {}),
      ...(parent?.user !== undefined ? { parent_user_id: parent.user } : {}),
      ...(m.blocks !== undefined ? { blocks: m.blocks } : {}),
      ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
      ...(m.files !== undefined ? { files: m.files } : {}),
      ...this.teamFields(m.user),
      ...extra,
    };
    if (m.user) this.ensureUser(m.user);
    // Posting needs membership, so whoever a test has post is in the channel from then on.
    const ch = this.channels.get(channel)!;
    if (m.user && !ch.is_im && !ch.members.includes(m.user)) ch.members.push(m.user);
    // Sorted insert: seeded messages may carry explicit, older ts values.
    let i = list.length;
    while (i > 0 && cmpTs(list[i - 1]!.ts, ts) > 0) i--;
    list.splice(i, 0, msg);
    if (viaApi) {
      this.viaApi.add(`${channel}/${ts}`);
      this.recordVersion(channel, msg, m.files ? 'file' : 'post');
    }
    return msg;
  }

  /**
   * `team` is the author's team on every message; another org's users' messages also carry `user_team` and
   * `source_team` (their team, where they posted from), as messages in Slack Connect channels do.
   */
  private teamFields(user: string | undefined): Partial<SlackMessage> {
    const team = user ? this.teamOf(user) : this.bot.teamId;
    return team === this.bot.teamId ? { team } : { team, user_team: team, source_team: team };
  }

  /** Logs the message's current content as a version the channel has seen (on post and on chat.update). */
  recordVersion(channel: string, m: SlackMessage, kind: PostedVersion['kind']): void {
    this.posted.push({
      channel,
      ts: m.ts,
      ...(m.thread_ts !== undefined && m.thread_ts !== m.ts ? { thread_ts: m.thread_ts } : {}),
      kind,
      text: m.text,
      ...(m.blocks ? { blocks: structuredClone(m.blocks) } : {}),
      ...(m.attachments ? { attachments: structuredClone(m.attachments) } : {}),
      ...(m.metadata ? { metadata: structuredClone(m.metadata) } : {}),
      visibleText: flattenText(m),
      at: Date.now(),
    });
  }

  find(channel: string, ts: string): SlackMessage | undefined {
    return this.byChannel.get(channel)?.find((m) => m.ts === ts);
  }

  remove(channel: string, ts: string): void {
    const list = this.byChannel.get(channel);
    if (!list) return;
    const i = list.findIndex((m) => m.ts === ts);
    if (i >= 0) list.splice(i, 1);
    this.viaApi.delete(`${channel}/${ts}`);
  }

  isStreaming(channel: string, ts: string): boolean {
    return this.streamingNow.has(`${channel}/${ts}`);
  }

  setStreaming(channel: string, ts: string, on: boolean): void {
    if (on) this.streamingNow.add(`${channel}/${ts}`);
    else this.streamingNow.delete(`${channel}/${ts}`);
  }

  isBots(m: SlackMessage): boolean {
    return m.user === this.bot.userId || m.bot_id === this.bot.botId;
  }

  /** A message the bot made through the API without a plain post (a stream): counts as the bot's, like a post. */
  markViaApi(channel: string, ts: string): void {
    this.viaApi.add(`${channel}/${ts}`);
  }

  postedViaApi(channel: string, ts: string): boolean {
    return this.viaApi.has(`${channel}/${ts}`);
  }

  raw(channel: string): SlackMessage[] {
    return this.byChannel.get(channel) ?? [];
  }

  replies(channel: string, parentTs: string): SlackMessage[] {
    return this.raw(channel).filter((m) => m.thread_ts === parentTs && m.ts !== parentTs);
  }

  /** Parent of the thread a ts belongs to (the ts itself for a parent or an unthreaded message). */
  threadRoot(channel: string, ts: string): SlackMessage | undefined {
    const m = this.find(channel, ts);
    if (!m) return undefined;
    return m.thread_ts && m.thread_ts !== m.ts ? this.find(channel, m.thread_ts) : m;
  }

  /** A copy shaped like Slack's API output: thread summary on parents, metadata only when asked for. */
  render(channel: string, m: SlackMessage, includeMetadata: boolean): SlackMessage {
    const out: SlackMessage = structuredClone(m);
    if (!includeMetadata) delete out.metadata;
    if (!m.thread_ts || m.thread_ts === m.ts) {
      const replies = this.replies(channel, m.ts);
      if (replies.length > 0) {
        const users = [...new Set(replies.map((r) => r.user).filter((u): u is string => !!u))];
        out.thread_ts = m.ts;
        out.reply_count = replies.length;
        out.reply_users = users.slice(0, 5);
        out.reply_users_count = users.length;
        out.latest_reply = replies[replies.length - 1]!.ts;
      }
    }
    return out;
  }

  /** Parents and unthreaded messages (plus thread broadcasts), oldest first. */
  topLevel(channel: string): SlackMessage[] {
    return this.raw(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast');
  }
}
