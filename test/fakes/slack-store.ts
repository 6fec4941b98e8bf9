import type { FakeChannel, FakeUser, NewChannel, NewMessage, SlackMessage } from './slack-types.js';

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
  private readonly byChannel = new Map<string, SlackMessage[]>();
  private readonly viaApi = new Set<string>();
  private lastMicros = 0;

  constructor(readonly bot: { userId: string; botId: string; appId: string; teamId: string }) {
    this.users.set(bot.userId, { id: bot.userId, name: 'luna', real_name: 'LUNA', display_name: 'LUNA', is_bot: true });
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
    const channel: FakeChannel = {
      id: ch.id,
      name: ch.name ?? (isIm ? '' : ch.id.toLowerCase()),
      is_im: isIm,
      is_ext_shared: ch.is_ext_shared ?? false,
      is_private: ch.is_private ?? ch.id.startsWith('G'),
      is_member: isMember,
      members: [...members],
      created: Math.floor(Date.now() / 1000),
      ...(ch.user ? { user: ch.user } : {}),
    };
    this.channels.set(ch.id, channel);
    if (!this.byChannel.has(ch.id)) this.byChannel.set(ch.id, []);
    for (const u of channel.members) this.ensureUser(u);
    return channel;
  }

  ensureUser(id: string): FakeUser {
    let u = this.users.get(id);
    if (!u) {
      u = { id, name: id.toLowerCase(), real_name: `User ${id}`, display_name: `user-${id.toLowerCase()}` };
      this.users.set(id, u);
    }
    return u;
  }

  /** The IM between the bot and a user, opened on first use like `conversations.open`. */
  imWith(userId: string): FakeChannel {
    for (const ch of this.channels.values()) if (ch.is_im && ch.user === userId) return ch;
    return this.addChannel({ id: `D${userId.replace(/^[UW]/, '')}`, is_im: true, user: userId });
  }

  insert(channel: string, m: NewMessage, extra: Partial<SlackMessage> = {}, viaApi = false): SlackMessage {
    if (!this.channels.has(channel)) this.addChannel({ id: channel });
    const list = this.byChannel.get(channel)!;
    let ts = m.ts;
    if (ts === undefined) ts = this.nextTs();
    else {
      if (!isTs(ts)) throw new Error(`FakeSlack: ts must look like 1700000000.000100, got ${ts}`);
      if (list.some((x) => x.ts === ts)) throw new Error(`FakeSlack: channel ${channel} already has a message with ts ${ts}`);
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
      team: this.bot.teamId,
      ...extra,
    };
    if (m.user) this.ensureUser(m.user);
    // Sorted insert: seeded messages may carry explicit, older ts values.
    let i = list.length;
    while (i > 0 && cmpTs(list[i - 1]!.ts, ts) > 0) i--;
    list.splice(i, 0, msg);
    if (viaApi) this.viaApi.add(`${channel}/${ts}`);
    return msg;
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

  isBots(m: SlackMessage): boolean {
    return m.user === this.bot.userId || m.bot_id === this.bot.botId;
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
