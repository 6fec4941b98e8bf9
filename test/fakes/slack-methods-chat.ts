import { blocksError, MESSAGE_BLOCK_TYPES, validateBlocks } from './slack-blocks.js';
import type { MethodContext, MethodHandler } from './slack-context.js';
import { asObject, bool, channelOrFail, fail, requireStr, str } from './slack-context.js';
import type { MessageMetadata, SlackArgs, SlackMessage } from './slack-types.js';

/** chat.* and reactions.*: posting, editing and deleting messages with Slack's validation and errors. */

const MAX_TEXT = 40_000;

interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
}

/** The content checks Slack applies to chat.postMessage, chat.update and chat.postEphemeral alike. */
function content(args: SlackArgs, requireSome: boolean): Content {
  const out: Content = {};
  const text = str(args.text);
  if (text !== undefined) out.text = text;
  if (args.blocks !== undefined && args.blocks !== '') {
    // A JSON-decoding failure leaves the raw string here.
    if (!Array.isArray(args.blocks)) fail('invalid_blocks_format');
    out.blocks = args.blocks;
  }
  if (args.attachments !== undefined && args.attachments !== '') {
    if (!Array.isArray(args.attachments)) fail('invalid_attachments');
    out.attachments = args.attachments;
  }
  const hasContent = (out.text ?? '') !== '' || (out.blocks?.length ?? 0) > 0 || (out.attachments?.length ?? 0) > 0;
  if (requireSome && !hasContent) fail('no_text');
  if (out.text !== undefined && out.text.length > MAX_TEXT) fail('msg_too_long');
  if (out.blocks) {
    const problems = validateBlocks(out.blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES });
    if (problems.length > 0) {
      const { error, ...extra } = blocksError(problems);
      fail(String(error), extra);
    }
  }
  if (args.metadata !== undefined && args.metadata !== '') {
    const m = asObject(args.metadata);
    if (!m || typeof m.event_type !== 'string' || m.event_type === '' || !asObject(m.event_payload)) {
      fail('invalid_metadata_format');
    }
    out.metadata = { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
  }
  return out;
}

/** `channel` may be a user ID: Slack then posts to the app's DM with that user. */
function targetChannel(ctx: MethodContext, args: SlackArgs) {
  const id = str(args.channel);
  if (id && /^[UW]/.test(id)) {
    if (!ctx.store.users.has(id)) fail('channel_not_found');
    return ctx.store.imWith(id);
  }
  return channelOrFail(ctx, id);
}

function botFields(ctx: MethodContext): Partial<SlackMessage> {
  const { bot } = ctx.store;
  return { user: bot.userId, bot_id: bot.botId, app_id: bot.appId };
}

const postMessage: MethodHandler = (ctx, args) => {
  const ch = targetChannel(ctx, args);
  const c = content(args, true);
  let threadTs: string | undefined;
  const requested = str(args.thread_ts);
  if (requested) {
    // A reply's ts threads under its parent, as in Slack. An unknown ts is an error here: silently
    // posting top-level would hide the bug this fake exists to catch.
    const root = ctx.store.threadRoot(ch.id, requested);
    if (!root) fail('thread_not_found');
    threadTs = root.ts;
  }
  const broadcast = threadTs !== undefined && bool(args.reply_broadcast);
  const msg = ctx.store.insert(
    ch.id,
    {
      text: c.text ?? '',
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(c.blocks ? { blocks: c.blocks } : {}),
      ...(c.metadata ? { metadata: c.metadata } : {}),
      ...(broadcast ? { subtype: 'thread_broadcast' } : {}),
    },
    { ...botFields(ctx), ...(c.attachments ? { attachments: c.attachments } : {}) },
    true,
  );
  return { ok: true, channel: ch.id, ts: msg.ts, message: ctx.store.render(ch.id, msg, true) };
};

function ownMessage(ctx: MethodContext, args: SlackArgs, cant: string) {
  const ch = channelOrFail(ctx, args.channel);
  const ts = requireStr(args, 'ts', 'message_not_found');
  const msg = ctx.store.find(ch.id, ts);
  if (!msg) fail('message_not_found');
  if (!ctx.store.isBots(msg)) fail(cant);
  return { ch, msg };
}

const update: MethodHandler = (ctx, args) => {
  const { ch, msg } = ownMessage(ctx, args, 'cant_update_message');
  const c = content(args, true);
  // Omitted fields keep their previous value; passed ones replace it.
  if (c.text !== undefined) msg.text = c.text;
  if (c.blocks !== undefined) msg.blocks = c.blocks;
  if (c.attachments !== undefined) msg.attachments = c.attachments;
  if (c.metadata !== undefined) msg.metadata = c.metadata;
  msg.edited = { user: ctx.store.bot.userId, ts: ctx.store.nextTs() };
  ctx.store.recordVersion(ch.id, msg, 'update');
  return { ok: true, channel: ch.id, ts: msg.ts, text: msg.text, message: ctx.store.render(ch.id, msg, true) };
};

const del: MethodHandler = (ctx, args) => {
  const { ch, msg } = ownMessage(ctx, args, 'cant_delete_message');
  if (ctx.store.replies(ch.id, msg.ts).length > 0 && (!msg.thread_ts || msg.thread_ts === msg.ts)) {
    // A parent with replies leaves a tombstone so the thread survives, as in Slack.
    for (const k of ['user', 'bot_id', 'app_id', 'blocks', 'metadata', 'attachments', 'files', 'reactions'] as const)
      delete msg[k];
    msg.subtype = 'tombstone';
    msg.text = 'This message was deleted.';
  } else {
    ctx.store.remove(ch.id, msg.ts);
  }
  return { ok: true, channel: ch.id, ts: msg.ts };
};

const getPermalink: MethodHandler = (ctx, args) => {
  const ch = channelOrFail(ctx, args.channel, false);
  const ts = requireStr(args, 'message_ts', 'message_not_found');
  const msg = ctx.store.find(ch.id, ts);
  if (!msg) fail('message_not_found');
  let permalink = `https://fake.slack.test/archives/${ch.id}/p${ts.replace('.', '')}`;
  if (msg.thread_ts && msg.thread_ts !== msg.ts) permalink += `?thread_ts=${msg.thread_ts}&cid=${ch.id}`;
  return { ok: true, channel: ch.id, permalink };
};

/**
 * Seen by exactly one user and never stored in the channel. Slack documents `user_not_in_channel` ("Intended
 * recipient is not in the specified channel") — an unknown user is not in it either — and `not_in_channel`
 * when the app itself is not a member.
 */
const postEphemeral: MethodHandler = (ctx, args) => {
  const ch = channelOrFail(ctx, args.channel);
  const user = str(args.user);
  if (!user) fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: user'] } });
  const known = ctx.store.users.get(user);
  const inIm = ch.is_im && ch.user === user;
  if (!known || known.deleted || (!inIm && (ch.is_im || !ctx.store.isMember(ch, user)))) fail('user_not_in_channel');
  const c = content(args, true);
  const threadTs = str(args.thread_ts);
  const messageTs = ctx.store.nextTs();
  ctx.ephemerals.push({
    channel: ch.id,
    user,
    text: c.text ?? '',
    ...(c.blocks ? { blocks: c.blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    message_ts: messageTs,
  });
  return { ok: true, message_ts: messageTs };
};

function reactionTarget(ctx: MethodContext, args: SlackArgs) {
  const ch = channelOrFail(ctx, args.channel);
  const ts = requireStr(args, 'timestamp', 'message_not_found');
  const msg = ctx.store.find(ch.id, ts);
  if (!msg) fail('message_not_found');
  const name = str(args.name)?.replace(/^:|:$/g, '');
  if (!name) fail('invalid_name');
  return { msg, name };
}

const reactionsAdd: MethodHandler = (ctx, args) => {
  const { msg, name } = reactionTarget(ctx, args);
  const me = ctx.store.bot.userId;
  msg.reactions ??= [];
  const r = msg.reactions.find((x) => x.name === name);
  if (r?.users.includes(me)) fail('already_reacted');
  if (r) {
    r.users.push(me);
    r.count++;
  } else msg.reactions.push({ name, users: [me], count: 1 });
  return { ok: true };
};

const reactionsRemove: MethodHandler = (ctx, args) => {
  const { msg, name } = reactionTarget(ctx, args);
  const me = ctx.store.bot.userId;
  const r = msg.reactions?.find((x) => x.name === name);
  if (!r || !r.users.includes(me)) fail('no_reaction');
  r.users = r.users.filter((u) => u !== me);
  r.count--;
  if (r.count === 0) msg.reactions = msg.reactions!.filter((x) => x !== r);
  if (msg.reactions!.length === 0) delete msg.reactions;
  return { ok: true };
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': del,
  'chat.getPermalink': getPermalink,
  'chat.postEphemeral': postEphemeral,
  'reactions.add': reactionsAdd,
  'reactions.remove': reactionsRemove,
};
