import { randomId } from './http-util.js';
import { blocksError, validateBlocks, VIEW_BLOCK_TYPES } from './slack-blocks.js';
import type { MethodHandler } from './slack-context.js';
import { asObject, channelOrFail, fail, int, requireStr, str } from './slack-context.js';

/** Files (the external-upload flow), App Home views and assistant thread status. */

const getUploadURLExternal: MethodHandler = (ctx, args) => {
  const filename = requireStr(args, 'filename', 'invalid_arguments');
  const length = int(args.length, 0, Number.MAX_SAFE_INTEGER);
  if (length <= 0) fail('invalid_arguments');
  const fileId = randomId('F0', 9);
  const altText = str(args.alt_text);
  ctx.uploads.set(fileId, {
    bytes: Buffer.alloc(0),
    filename,
    declaredLength: length,
    uploaded: false,
    completed: false,
    ...(altText ? { altText } : {}),
  });
  return { ok: true, upload_url: `${ctx.origin}/upload/${fileId}`, file_id: fileId };
};

const completeUploadExternal: MethodHandler = (ctx, args) => {
  const files = args.files;
  if (!Array.isArray(files) || files.length === 0) fail('invalid_arguments');
  const channelId = str(args.channel_id);
  const threadTsArg = str(args.thread_ts);
  // thread_ts without a channel is meaningless; Slack rejects it.
  if (threadTsArg && !channelId) fail('invalid_arguments');
  const ch = channelId ? channelOrFail(ctx, channelId) : undefined;
  let threadTs: string | undefined;
  if (ch && threadTsArg) {
    const root = ctx.store.threadRoot(ch.id, threadTsArg);
    if (!root) fail('invalid_thread_ts');
    threadTs = root.ts;
  }
  const entries = files.map((f) => {
    const o = asObject(f);
    const id = o && str(o.id);
    const upload = id ? ctx.uploads.get(id) : undefined;
    // Bytes that never reached the upload URL mean there is no file to complete.
    if (!id || !upload || !upload.uploaded) fail('file_not_found');
    return { id, upload, title: o && str(o.title) };
  });
  const initialComment = str(args.initial_comment);
  const out = entries.map(({ id, upload, title }) => {
    upload.completed = true;
    if (title) upload.title = title;
    if (ch) upload.channel = ch.id;
    if (threadTs) upload.threadTs = threadTs;
    if (initialComment) upload.initialComment = initialComment;
    return {
      id,
      name: upload.filename,
      title: upload.title ?? upload.filename,
      size: upload.bytes.length,
      user: ctx.store.bot.userId,
      permalink: `https://fake.slack.test/files/${ctx.store.bot.userId}/${id}/${upload.filename}`,
    };
  });
  if (ch) {
    // Sharing to a channel shows up as a message carrying the files (Slack posts it as the uploader).
    ctx.store.insert(
      ch.id,
      { text: initialComment ?? '', ...(threadTs ? { thread_ts: threadTs } : {}), files: out },
      { user: ctx.store.bot.userId, bot_id: ctx.store.bot.botId, app_id: ctx.store.bot.appId, upload: true },
      true,
    );
  }
  return { ok: true, files: out.map(({ id, title }) => ({ id, title })) };
};

const viewsPublish: MethodHandler = (ctx, args) => {
  const userId = requireStr(args, 'user_id', 'invalid_arguments');
  const view = asObject(args.view);
  // views.* report schema problems as invalid_arguments (not invalid_blocks) with [ERROR] messages.
  if (!view)
    fail('invalid_arguments', blocksError([{ message: 'expected object', pointer: '/view' }], 'invalid_arguments'));
  if (view.type !== 'home') {
    const e = blocksError([{ message: 'must be home for views.publish', pointer: '/view/type' }], 'invalid_arguments');
    fail('invalid_arguments', e);
  }
  const blocks = Array.isArray(view.blocks) ? view.blocks : fail('invalid_arguments');
  const problems = validateBlocks(blocks, { pointer: '/view/blocks', maxBlocks: 100, allowed: VIEW_BLOCK_TYPES });
  if (problems.length > 0) fail('invalid_arguments', blocksError(problems, 'invalid_arguments'));
  const prev = ctx.views.get(userId);
  const hash = str(args.hash);
  if (hash && prev && prev.hash !== hash) fail('hash_conflict');
  const id = prev?.id ?? randomId('V0', 9);
  const next = { id, hash: `${Math.floor(Date.now() / 1000)}.${randomId('', 8)}`, view };
  ctx.views.set(userId, next);
  return {
    ok: true,
    view: {
      ...view,
      id,
      team_id: ctx.store.bot.teamId,
      app_id: ctx.store.bot.appId,
      bot_id: ctx.store.bot.botId,
      hash: next.hash,
    },
  };
};

/**
 * Assistant thread status. Slack documents `channel_not_found` ("Invalid channel_id") for a channel the
 * status cannot be set in; the fake answers that for non-IM channels. Since the March 2026 scope change
 * Slack also allows channels (chat:write); set `assistantStatusInChannels` to emulate that.
 */
const setStatus: MethodHandler = (ctx, args) => {
  const channelId = requireStr(args, 'channel_id', 'channel_not_found');
  const threadTs = requireStr(args, 'thread_ts', 'invalid_thread_ts');
  const status = str(args.status);
  if (status === undefined) fail('invalid_arguments');
  // "The list of messages to rotate through as a loading indicator. Maximum of 10 messages."
  const loading = args.loading_messages;
  if (
    loading !== undefined &&
    (!Array.isArray(loading) || loading.length > 10 || loading.some((m) => typeof m !== 'string' || m === ''))
  ) {
    fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] loading_messages must be a list of at most 10 strings'] },
    });
  }
  const ch = ctx.store.channels.get(channelId);
  if (!ch || (!ch.is_im && !ctx.assistantStatusInChannels)) fail('channel_not_found', { detail: 'Invalid channel_id' });
  if (!ctx.store.find(ch.id, threadTs)) fail('invalid_thread_ts');
  ctx.statuses.push({
    channel: ch.id,
    threadTs,
    status,
    ...(loading ? { loadingMessages: loading as string[] } : {}),
    at: Date.now(),
  });
  return { ok: true };
};

/**
 * Up to four suggested prompts, each with a `title` and a `message` (docs.slack.dev method page), in the app's
 * DM. `thread_ts` belongs to the legacy assistant experience: for an agent app (`agent_view`) Slack answers ok
 * and shows nothing, which `shown: false` records.
 */
const setSuggestedPrompts: MethodHandler = (ctx, args) => {
  const channelId = requireStr(args, 'channel_id', 'channel_not_found');
  const prompts = args.prompts;
  const valid =
    Array.isArray(prompts) &&
    prompts.length >= 1 &&
    prompts.length <= 4 &&
    prompts.every((x) => {
      const o = asObject(x);
      return (
        o !== undefined &&
        typeof o.title === 'string' &&
        o.title !== '' &&
        typeof o.message === 'string' &&
        o.message !== ''
      );
    });
  if (!valid)
    fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] prompts: 1 to 4 objects with a title and a message'] },
    });
  const ch = ctx.store.channels.get(channelId);
  if (!ch || !ch.is_im) fail('channel_not_found', { detail: 'Invalid channel_id' });
  const threadTs = str(args.thread_ts);
  if (threadTs && !ctx.store.find(ch.id, threadTs)) fail('invalid_thread_ts');
  const title = str(args.title);
  ctx.suggestedPrompts.push({
    channel: ch.id,
    prompts: (prompts as Array<{ title: string; message: string }>).map(({ title, message }) => ({ title, message })),
    ...(title ? { title } : {}),
    ...(threadTs ? { threadTs } : {}),
    shown: !(threadTs && ctx.agentView),
    at: Date.now(),
  });
  return { ok: true };
};

export const miscMethods: Record<string, MethodHandler> = {
  'files.getUploadURLExternal': getUploadURLExternal,
  'files.completeUploadExternal': completeUploadExternal,
  'views.publish': viewsPublish,
  'assistant.threads.setStatus': setStatus,
  'assistant.threads.setSuggestedPrompts': setSuggestedPrompts,
  // Authorised with the app-level token (see FakeSlack.dispatch); the socket mints the ticket URL.
  'apps.connections.open': (ctx) => ctx.socket.connectionsOpen(),
};
