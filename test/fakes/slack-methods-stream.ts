import { blocksError, MESSAGE_BLOCK_TYPES, validateBlocks } from './slack-blocks.js';
import type { MethodContext, MethodHandler } from './slack-context.js';
import { asObject, channelOrFail, fail, requireStr, str } from './slack-context.js';
import type { MessageMetadata, SlackArgs } from './slack-types.js';

/**
 * chat.startStream, chat.appendStream and chat.stopStream with Slack's documented rules (docs.slack.dev method
 * pages; error names from Slack's published method specs):
 * - a stream is a reply in a thread (`thread_ts`), and outside a DM it needs the user it is for
 *   (`recipient_user_id`, `recipient_team_id`: `missing_recipient_user_id` / `missing_recipient_team_id`);
 * - a channel where the fake refuses streaming answers `channel_type_not_supported`;
 * - text only while the message is in streaming state (`message_not_in_streaming_state` after the stop), only on
 *   the app's own message (`message_not_owned_by_app`), at most 12,000 characters of `markdown_text` per call;
 * - chat.stopStream may add blocks (rendered at the bottom, validated like any message's) and message metadata.
 * Every call is kept as a version of the message (`kind: 'stream'`) with the whole text shown so far.
 */

const MARKDOWN_MAX = 12_000;

/** `markdown_text`, or the text of `markdown_text` chunks. */
function markdownOf(args: SlackArgs): string | undefined {
  const md = str(args.markdown_text);
  if (args.chunks === undefined || args.chunks === '') return md;
  if (!Array.isArray(args.chunks))
    fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] chunks must be an array'] } });
  const texts = args.chunks
    .map((c) => asObject(c))
    .flatMap((c) => (c?.type === 'markdown_text' && typeof c.text === 'string' ? [c.text] : []));
  return [md ?? '', ...texts].join('');
}

function checkLength(md: string | undefined): void {
  if (md !== undefined && md.length > MARKDOWN_MAX) fail('msg_too_long');
}

function streamingMessage(ctx: MethodContext, args: SlackArgs) {
  const ch = channelOrFail(ctx, args.channel);
  const ts = requireStr(args, 'ts', 'message_not_found');
  const msg = ctx.store.find(ch.id, ts);
  if (!msg) fail('message_not_found');
  if (!ctx.store.isBots(msg)) fail('message_not_owned_by_app');
  if (!ctx.store.isStreaming(ch.id, ts)) fail('message_not_in_streaming_state');
  return { ch, msg };
}

const startStream: MethodHandler = (ctx, args) => {
  const ch = channelOrFail(ctx, args.channel);
  if (ctx.streamingRefused.has(ch.id)) fail('channel_type_not_supported');
  const requested = str(args.thread_ts);
  if (!requested)
    fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: thread_ts'] } });
  const root = ctx.store.threadRoot(ch.id, requested);
  if (!root) fail('thread_not_found');
  const recipient = str(args.recipient_user_id);
  const team = str(args.recipient_team_id);
  if (!ch.is_im) {
    if (!recipient) fail('missing_recipient_user_id');
    if (!team) fail('missing_recipient_team_id');
  }
  if (recipient) {
    const user = ctx.store.users.get(recipient);
    if (!user || user.deleted) fail('user_not_found');
    if (team && team !== ctx.store.teamOf(recipient))
      fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] recipient_team_id is not the recipient’s team'] },
      });
  }
  const md = markdownOf(args);
  checkLength(md);
  const msg = ctx.store.insert(
    ch.id,
    { text: md ?? '', thread_ts: root.ts },
    { user: ctx.store.bot.userId, bot_id: ctx.store.bot.botId, app_id: ctx.store.bot.appId },
  );
  // Recorded as the bot's (like a post), and as a stream version rather than a post.
  ctx.store.markViaApi(ch.id, msg.ts);
  ctx.store.setStreaming(ch.id, msg.ts, true);
  ctx.store.recordVersion(ch.id, msg, 'stream');
  return { ok: true, channel: ch.id, ts: msg.ts };
};

const appendStream: MethodHandler = (ctx, args) => {
  const { ch, msg } = streamingMessage(ctx, args);
  const md = markdownOf(args);
  if (!md) fail('no_text');
  checkLength(md);
  msg.text += md;
  ctx.store.recordVersion(ch.id, msg, 'stream');
  return { ok: true, channel: ch.id, ts: msg.ts };
};

const stopStream: MethodHandler = (ctx, args) => {
  const { ch, msg } = streamingMessage(ctx, args);
  const md = markdownOf(args);
  checkLength(md);
  let blocks: unknown[] | undefined;
  if (args.blocks !== undefined && args.blocks !== '') {
    if (!Array.isArray(args.blocks)) fail('invalid_blocks_format');
    const problems = validateBlocks(args.blocks, { pointer: '/blocks', maxBlocks: 50, allowed: MESSAGE_BLOCK_TYPES });
    if (problems.length > 0) {
      const { error, ...extra } = blocksError(problems);
      fail(String(error), extra);
    }
    blocks = args.blocks;
  }
  let metadata: MessageMetadata | undefined;
  if (args.metadata !== undefined && args.metadata !== '') {
    const m = asObject(args.metadata);
    if (!m || typeof m.event_type !== 'string' || m.event_type === '' || !asObject(m.event_payload))
      fail('invalid_metadata_format');
    metadata = { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
  }
  if (md) msg.text += md;
  if (blocks) msg.blocks = blocks;
  if (metadata) msg.metadata = metadata;
  ctx.store.setStreaming(ch.id, msg.ts, false);
  ctx.store.recordVersion(ch.id, msg, 'stream');
  return { ok: true, channel: ch.id, ts: msg.ts, message: ctx.store.render(ch.id, msg, true) };
};

export const streamMethods: Record<string, MethodHandler> = {
  'chat.startStream': startStream,
  'chat.appendStream': appendStream,
  'chat.stopStream': stopStream,
};
