import type { MethodContext, MethodHandler } from './slack-context.js';
import { bool, channelOrFail, decodeCursor, encodeCursor, fail, int, str } from './slack-context.js';
import { channelObject } from './slack-objects.js';
import { cmpTs, isTs } from './slack-store.js';
import type { FakeChannel, SlackArgs, SlackMessage } from './slack-types.js';

/** Read methods: auth and conversations.* reads. Pagination follows Slack's cursor model. */

const authTest: MethodHandler = (ctx) => {
  const { bot } = ctx.store;
  return {
    ok: true,
    url: 'https://fake.slack.test/',
    team: 'Fake Team',
    user: 'luna',
    team_id: bot.teamId,
    user_id: bot.userId,
    bot_id: bot.botId,
    is_enterprise_install: false,
  };
};

/** oldest/latest/inclusive as Slack applies them: exclusive bounds unless `inclusive`. */
function inWindow(args: SlackArgs): (m: SlackMessage) => boolean {
  const oldest = str(args.oldest);
  const latest = str(args.latest);
  const inclusive = bool(args.inclusive);
  return (m) => {
    if (oldest && oldest !== '0') {
      const c = cmpTs(m.ts, normalizeTs(oldest));
      if (c < 0 || (c === 0 && !inclusive)) return false;
    }
    if (latest) {
      const c = cmpTs(m.ts, normalizeTs(latest));
      if (c > 0 || (c === 0 && !inclusive)) return false;
    }
    return true;
  };
}

/** `oldest=1700000000` (no fraction) is legal and means the start of that second. */
function normalizeTs(v: string): string {
  return v.includes('.') ? v : `${v}.000000`;
}

function page<T>(items: T[], start: number, limit: number, cursorOf: (item: T) => string) {
  const slice = items.slice(start, start + limit);
  const next = items[start + limit];
  return { slice, hasMore: next !== undefined, nextCursor: next !== undefined ? cursorOf(next) : undefined };
}

function startAt(list: SlackMessage[], cursorTs: string | undefined): number {
  if (cursorTs === undefined) return 0;
  const i = list.findIndex((m) => m.ts === cursorTs);
  if (i < 0) fail('invalid_cursor');
  return i;
}

function readable(ctx: MethodContext, id: unknown): FakeChannel {
  return channelOrFail(ctx, id, true);
}

const replies: MethodHandler = (ctx, args) => {
  const ch = readable(ctx, args.channel);
  const ts = str(args.ts);
  if (!ts || !isTs(ts)) fail('thread_not_found');
  const root = ctx.store.threadRoot(ch.id, ts);
  if (!root) fail('thread_not_found');
  const limit = int(args.limit, 1000, 1000);
  const meta = bool(args.include_all_metadata);
  const list = ctx.store.replies(ch.id, root.ts).filter(inWindow(args));
  const cursorTs = decodeCursor(args.cursor, 'next_ts');
  // The parent leads the first page only; continuation pages carry replies alone (as Slack does).
  const first = cursorTs === undefined;
  const p = page(list, startAt(list, cursorTs), first ? limit - 1 : limit, (m) => encodeCursor('next_ts', m.ts));
  const messages = [...(first ? [root] : []), ...p.slice].map((m) => ctx.store.render(ch.id, m, meta));
  return {
    ok: true,
    messages,
    has_more: p.hasMore,
    ...(p.nextCursor ? { response_metadata: { next_cursor: p.nextCursor } } : {}),
  };
};

const history: MethodHandler = (ctx, args) => {
  const ch = readable(ctx, args.channel);
  const limit = int(args.limit, 100, 1000);
  const meta = bool(args.include_all_metadata);
  const list = ctx.store.topLevel(ch.id).filter(inWindow(args)).reverse();
  const cursorTs = decodeCursor(args.cursor, 'next_ts');
  const p = page(list, startAt(list, cursorTs), limit, (m) => encodeCursor('next_ts', m.ts));
  return {
    ok: true,
    messages: p.slice.map((m) => ctx.store.render(ch.id, m, meta)),
    has_more: p.hasMore,
    pin_count: 0,
    ...(p.nextCursor ? { response_metadata: { next_cursor: p.nextCursor } } : {}),
  };
};

const info: MethodHandler = (ctx, args) => {
  const ch = channelOrFail(ctx, args.channel, false);
  return { ok: true, channel: channelObject(ctx.store, ch) };
};

/** In a Slack Connect channel the other org's members are listed too, as Slack does. */
const members: MethodHandler = (ctx, args) => {
  const ch = channelOrFail(ctx, args.channel, false);
  const limit = int(args.limit, 100, 1000);
  const after = decodeCursor(args.cursor, 'user');
  const start = after === undefined ? 0 : ch.members.indexOf(after);
  if (start < 0) fail('invalid_cursor');
  const p = page(ch.members, start, limit, (u) => encodeCursor('user', u));
  return { ok: true, members: p.slice, response_metadata: { next_cursor: p.nextCursor ?? '' } };
};

export const readMethods: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'conversations.replies': replies,
  'conversations.history': history,
  'conversations.info': info,
  'conversations.members': members,
};
