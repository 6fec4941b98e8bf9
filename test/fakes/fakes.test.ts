import Anthropic, { APIError, APIUserAbortError, BadRequestError } from '@anthropic-ai/sdk';
import { ErrorCode, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from './anthropic-server.js';
import { FakeSlack } from './slack-server.js';
import { silentLogger } from './web-client.js';

/** The fakes, proven with the real clients over loopback. */

let slack: FakeSlack;
let client: WebClient;
/** WebClient logs Slack's `[ERROR]` response messages; the tests provoke them on purpose. */
const quiet = { logger: silentLogger };

beforeAll(async () => {
  slack = await FakeSlack.start();
  client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, ...quiet });
});
afterAll(() => slack.close());
beforeEach(() => {
  slack.reset();
  slack.clearFaults();
});

async function platformError(p: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as WebAPIPlatformError | undefined;
  expect(err?.code).toBe(ErrorCode.PlatformError);
  return err!.data;
}

describe('FakeSlack with a real WebClient', () => {
  it('authenticates, posts with blocks and metadata, and records decoded arguments', async () => {
    expect(await client.auth.test()).toMatchObject({
      ok: true,
      user_id: 'U0LUNA',
      bot_id: 'B0LUNA',
      team_id: 'T0TEAM',
    });
    slack.addChannel({ id: 'C0POST', name: 'post' });
    const parent = slack.addMessage('C0POST', { user: 'U0ALICE', text: 'hello' });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const metadata = { event_type: 'luna_answer', event_payload: { part: 0 } };
    const res = await client.chat.postMessage({ channel: 'C0POST', thread_ts: parent, text: 'hi', blocks, metadata });
    expect(res).toMatchObject({
      ok: true,
      channel: 'C0POST',
      message: { bot_id: 'B0LUNA', user: 'U0LUNA', thread_ts: parent },
    });
    expect(slack.callsTo('chat.postMessage')[0]!.args).toMatchObject({ blocks, metadata, thread_ts: parent });
    expect(slack.botMessages('C0POST', parent)).toMatchObject([{ text: 'hi', metadata }]);
    expect(slack.thread('C0POST', parent).map((m) => m.text)).toEqual(['hello', 'hi']);
    expect(slack.thread('C0POST', parent)[0]).toMatchObject({ reply_count: 1, latest_reply: res.ts });

    const link = await client.chat.getPermalink({ channel: 'C0POST', message_ts: res.ts! });
    expect(link.permalink).toBe(
      `https://fake.slack.test/archives/C0POST/p${res.ts!.replace('.', '')}?thread_ts=${parent}&cid=C0POST`,
    );
    await client.reactions.add({ channel: 'C0POST', timestamp: parent, name: 'eyes' });
    expect(
      (await platformError(client.reactions.add({ channel: 'C0POST', timestamp: parent, name: 'eyes' }))).error,
    ).toBe('already_reacted');
    await client.reactions.remove({ channel: 'C0POST', timestamp: parent, name: 'eyes' });
    expect(
      (await platformError(client.reactions.remove({ channel: 'C0POST', timestamp: parent, name: 'eyes' }))).error,
    ).toBe('no_reaction');
    expect((await platformError(client.chat.update({ channel: 'C0POST', ts: parent, text: 'x' }))).error).toBe(
      'cant_update_message',
    );
    expect((await platformError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    expect((await platformError(client.chat.postMessage({ channel: 'C0POST', text: '' }))).error).toBe('no_text');
    const meta = client.chat.postMessage({ channel: 'C0POST', text: 'x', metadata: { event_type: 'x' } });
    expect((await platformError(meta)).error).toBe('invalid_metadata_format');
  });

  it('paginates a 2,500-message thread with conversations.replies cursors', async () => {
    slack.addChannel({ id: 'C0BIG' });
    const parent = slack.addMessage('C0BIG', { user: 'U0BOB', text: 'parent' });
    for (let i = 1; i < 2500; i++) {
      slack.addMessage('C0BIG', {
        user: 'U0BOB',
        text: `reply ${i}`,
        thread_ts: parent,
        metadata: { event_type: 't', event_payload: { i } },
      });
    }
    const seen: Array<{ ts: string; text?: string; metadata?: unknown }> = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.replies({
        channel: 'C0BIG',
        ts: parent,
        include_all_metadata: true,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...(page.messages ?? []).map((m) => ({ ts: m.ts!, text: m.text, metadata: m.metadata })));
      cursor = page.has_more ? page.response_metadata?.next_cursor : undefined;
    } while (cursor);
    expect(slack.callsTo('conversations.replies')).toHaveLength(3);
    expect(seen).toHaveLength(2500);
    expect(seen[0]!.text).toBe('parent');
    expect(seen[2499]!.text).toBe('reply 2499');
    expect(new Set(seen.map((m) => m.ts)).size).toBe(2500);
    expect(seen[1]!.metadata).toEqual({ event_type: 't', event_payload: { i: 1 } });
    const bare = await client.conversations.replies({ channel: 'C0BIG', ts: parent, limit: 2 });
    expect(bare.messages!.map((m) => m.text)).toEqual(['parent', 'reply 1']);
    expect(bare.messages![1]!.metadata).toBeUndefined();
    expect(
      (await platformError(client.conversations.replies({ channel: 'C0BIG', ts: '1600000000.000001' }))).error,
    ).toBe('thread_not_found');

    const history = await client.conversations.history({ channel: 'C0BIG', limit: 10 });
    expect(history.messages!.map((m) => m.text)).toEqual(['parent']);
    expect(history.messages![0]).toMatchObject({ reply_count: 2499, thread_ts: parent });
  });

  it('validates like Slack: msg_too_long and invalid_blocks with response_metadata messages', async () => {
    slack.addChannel({ id: 'C0VAL' });
    expect((await client.chat.postMessage({ channel: 'C0VAL', text: 'a'.repeat(40_000) })).ok).toBe(true);
    expect((await platformError(client.chat.postMessage({ channel: 'C0VAL', text: 'a'.repeat(40_001) }))).error).toBe(
      'msg_too_long',
    );
    const long = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    const data = await platformError(client.chat.postMessage({ channel: 'C0VAL', text: 'fallback', blocks: long }));
    expect(data.error).toBe('invalid_blocks');
    expect(data.response_metadata?.messages).toEqual([
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect((await platformError(client.chat.postMessage({ channel: 'C0VAL', text: 't', blocks: tooMany }))).error).toBe(
      'invalid_blocks',
    );
    const home = { type: 'home' as const, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' as const })) };
    expect((await platformError(client.views.publish({ user_id: 'U0ALICE', view: home }))).error).toBe(
      'invalid_arguments',
    );
  });

  it('validates a button’s confirmation dialog as Slack documents it: plain_text title ≤ 100, text ≤ 300, confirm and deny ≤ 30', async () => {
    slack.addChannel({ id: 'C0CONF' });
    const plain = (text: string) => ({ type: 'plain_text', text });
    const dialog = {
      title: plain('Post internal facts?'),
      text: plain('Acme Corp will read it.'),
      confirm: plain('Post as it is'),
      deny: plain('Cancel'),
      style: 'danger',
    };
    const post = (confirm: Record<string, unknown>) =>
      client.chat.postMessage({
        channel: 'C0CONF',
        text: 't',
        blocks: [
          { type: 'actions', elements: [{ type: 'button', action_id: 'go', text: plain('Go'), confirm }] },
        ] as never,
      });
    expect((await post(dialog)).ok).toBe(true);
    const problems = async (confirm: Record<string, unknown>) =>
      (await platformError(post(confirm))).response_metadata?.messages;
    expect(await problems({ ...dialog, title: plain('x'.repeat(101)) })).toEqual([
      '[ERROR] must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]',
    ]);
    expect(await problems({ ...dialog, text: { type: 'mrkdwn', text: '*sure?*' } })).toEqual([
      '[ERROR] must be plain_text [json-pointer:/blocks/0/elements/0/confirm/text/type]',
    ]);
    expect(await problems({ ...dialog, text: plain('x'.repeat(301)), confirm: plain('x'.repeat(31)) })).toHaveLength(2);
    const { deny: _deny, ...noDeny } = dialog;
    expect(await problems(noDeny)).toEqual([
      '[ERROR] missing required field: deny [json-pointer:/blocks/0/elements/0/confirm]',
    ]);
    expect(await problems({ ...dialog, style: 'green' })).toEqual([
      '[ERROR] must be one of: primary, danger [json-pointer:/blocks/0/elements/0/confirm/style]',
    ]);
  });

  it('rate limits with Retry-After: surfaced with rejectRateLimitedCalls, honoured by retries', async () => {
    slack.addChannel({ id: 'C0RL' });
    const rejecting = new WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      ...quiet,
    });
    slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
    const err = await rejecting.chat.postMessage({ channel: 'C0RL', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });

    const retrying = new WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
      ...quiet,
    });
    slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    expect((await retrying.chat.postMessage({ channel: 'C0RL', text: 'after wait' })).ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('injects 5xx, platform errors, lost responses, hooks and auth failures', async () => {
    slack.addChannel({ id: 'C0F' });
    slack.failNext('chat.postMessage', { status: 503 });
    expect(await client.chat.postMessage({ channel: 'C0F', text: 'x' }).catch((e: unknown) => e)).toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });
    slack.failNext('chat.postMessage', { error: 'fatal_error' });
    expect((await platformError(client.chat.postMessage({ channel: 'C0F', text: 'x' }))).error).toBe('fatal_error');
    slack.failNext('chat.postMessage', { status: 500, applied: true });
    await client.chat.postMessage({ channel: 'C0F', text: 'landed anyway' }).catch(() => {});
    expect(slack.botMessages('C0F').map((m) => m.text)).toEqual(['landed anyway']);

    const hooked: string[] = [];
    const off = slack.onCall('auth.test', (c) => void hooked.push(c.method));
    await client.auth.test();
    off();
    await client.auth.test();
    expect(hooked).toEqual(['auth.test']);
    await expect(slack.waitFor(() => false, 30, 'never')).rejects.toThrow(
      /never not met within 30 ms \(last calls: .*auth\.test\)/,
    );

    const bad = new WebClient('xoxb-wrong', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, ...quiet });
    expect((await platformError(bad.auth.test())).error).toBe('invalid_auth');
    expect((await platformError(client.apiCall('nope.nothing'))).error).toBe('unknown_method');
  });

  it('uploads through files.uploadV2 into `uploads`, sharing the file in a thread', async () => {
    slack.addChannel({ id: 'C0UP' });
    const parent = slack.addMessage('C0UP', { user: 'U0ALICE', text: 'map please' });
    const bytes = Buffer.from('\x89PNG fake image bytes');
    const res = await client.files.uploadV2({
      channel_id: 'C0UP',
      thread_ts: parent,
      file: bytes,
      filename: 'map.png',
      title: 'Journey map',
    });
    expect(res.ok).toBe(true);
    expect(slack.callsTo('files.getUploadURLExternal')[0]!.args).toMatchObject({
      filename: 'map.png',
      length: String(bytes.length),
    });
    const [upload] = [...slack.uploads.values()];
    expect(upload).toMatchObject({ filename: 'map.png', title: 'Journey map', channel: 'C0UP', threadTs: parent });
    expect(upload!.bytes.equals(bytes)).toBe(true);
    expect(slack.thread('C0UP', parent)[1]!.files).toHaveLength(1);
    const { file_id } = await client.files.getUploadURLExternal({ filename: 'never.png', length: 3 });
    const orphan = client.files.completeUploadExternal({ files: [{ id: file_id! }], channel_id: 'C0UP' });
    expect((await platformError(orphan)).error).toBe('file_not_found');
  });

  it('sets assistant status only in IMs', async () => {
    slack.addChannel({ id: 'D0ALICE', user: 'U0ALICE' });
    slack.addChannel({ id: 'C0CHAN' });
    const dm = slack.addMessage('D0ALICE', { user: 'U0ALICE', text: 'hi' });
    const ch = slack.addMessage('C0CHAN', { user: 'U0ALICE', text: 'hi' });
    await client.assistant.threads.setStatus({ channel_id: 'D0ALICE', thread_ts: dm, status: 'is thinking…' });
    expect(slack.statuses).toMatchObject([{ channel: 'D0ALICE', threadTs: dm, status: 'is thinking…' }]);
    const inChannel = client.assistant.threads.setStatus({ channel_id: 'C0CHAN', thread_ts: ch, status: 'x' });
    expect((await platformError(inChannel)).error).toBe('channel_not_found');
  });
});

describe('FakeAnthropic with the real SDK', () => {
  let fake: FakeAnthropic;
  let ai: Anthropic;
  beforeAll(async () => {
    fake = await FakeAnthropic.start();
    ai = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const ask = (extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) => ({
    model: 'claude-sonnet-5-5',
    max_tokens: 1024,
    messages: [{ role: 'user' as const, content: 'How do we reduce churn?' }],
    ...extra,
  });

  it('answers messages.create as JSON and messages.stream as SSE', async () => {
    const res = await ai.messages.create(ask());
    expect(res.content).toEqual([{ type: 'text', text: 'Here is what I think about: How do we reduce churn?' }]);
    expect(res).toMatchObject({
      model: 'claude-sonnet-5-5',
      stop_reason: 'end_turn',
      usage: { cache_read_input_tokens: 0 },
    });

    fake.enqueue({ text: 'Streamed answer, in several small chunks.', chunkChars: 5 });
    const stream = ai.messages.stream(ask());
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const msg = await stream.finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'Streamed answer, in several small chunks.' }]);
    expect(deltas.length).toBe(9);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBe(11);
    expect(fake.requests[1]!.body.stream).toBe(true);
    expect(fake.totals()).toMatchObject({ requests: 2, outputTokens: 24 });
  });

  it('surfaces 529 and 429 as APIErrors with status, request id and retry-after', async () => {
    fake.enqueue({ status: 529 }, { status: 429, retryAfterSeconds: 3 });
    const overloaded = await ai.messages.create(ask()).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(APIError);
    expect(overloaded).toMatchObject({ status: 529, error: { type: 'error', error: { type: 'overloaded_error' } } });
    expect((overloaded as APIError).requestID).toMatch(/^req_/);
    const limited = (await ai.messages.create(ask()).catch((e: unknown) => e)) as APIError;
    expect(limited.status).toBe(429);
    expect(limited.headers?.get('retry-after')).toBe('3');
  });

  it('rejects malformed requests with 400 like the API, without using a scripted reply', async () => {
    fake.enqueue({ text: 'kept' });
    await expect(ai.messages.create(ask({ messages: [] }))).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      ai.messages.create(ask({ messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] })),
    ).rejects.toThrow(/non-empty/);
    const open = { type: 'json_schema' as const, schema: { type: 'object', properties: { a: { type: 'string' } } } };
    await expect(ai.messages.create(ask({ output_config: { format: open } }))).rejects.toThrow(/additionalProperties/);
    expect(fake.pending()).toBe(1);
    const closed = {
      type: 'json_schema' as const,
      schema: { ...open.schema, required: ['a'], additionalProperties: false },
    };
    fake.reset();
    const structured = await ai.messages.create(ask({ output_config: { format: closed } }));
    expect(JSON.parse((structured.content[0] as { text: string }).text)).toEqual({ a: 'example' });
  });

  it('caches a large enough prefix: creation on call 1, read on call 2; a short one never', async () => {
    const big = {
      model: 'claude-sonnet-5-5',
      system: [{ type: 'text' as const, text: 'p'.repeat(10_000), cache_control: { type: 'ephemeral' as const } }],
    };
    const one = await ai.messages.create(ask(big));
    const two = await ai.messages.create(ask({ ...big, messages: [{ role: 'user', content: 'Another question' }] }));
    expect(one.usage).toMatchObject({ cache_creation_input_tokens: 2500, cache_read_input_tokens: 0 });
    expect(two.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 2500, input_tokens: 4 });
    const small = {
      system: [{ type: 'text' as const, text: 'short persona', cache_control: { type: 'ephemeral' as const } }],
    };
    for (let i = 0; i < 2; i++) {
      expect((await ai.messages.create(ask(small))).usage).toMatchObject({
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      });
    }
    // Haiku's minimum is 4096 tokens: the same 2,500-token prefix is not cached there.
    expect(
      (await ai.messages.create(ask({ ...big, model: 'claude-haiku-4-5' }))).usage.cache_creation_input_tokens,
    ).toBe(0);
    expect(fake.totals()).toMatchObject({ cacheCreationTokens: 2500, cacheReadTokens: 2500 });
  });

  it('truncates at max_tokens and reports stop_reason max_tokens', async () => {
    fake.enqueue({ text: 'x'.repeat(100) });
    const res = await ai.messages.create(ask({ max_tokens: 10 }));
    expect(res.stop_reason).toBe('max_tokens');
    expect((res.content[0] as { text: string }).text).toHaveLength(40);
  });

  it('stalls mid-stream until the client aborts, and errors mid-stream like an overload', async () => {
    fake.enqueue({ stallAfterChars: 10, text: 'This stream will hang after ten characters.' });
    const ac = new AbortController();
    const stream = ai.messages.stream(ask(), { signal: ac.signal });
    let got = '';
    stream.on('text', (t) => {
      got += t;
      if (got.length >= 10) setTimeout(() => ac.abort(), 20);
    });
    const started = Date.now();
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(APIUserAbortError);
    expect(got).toBe('This strea');
    expect(Date.now() - started).toBeLessThan(2000);

    fake.enqueue({ errorAfterChars: 5, text: 'Partial answer' });
    await expect(ai.messages.stream(ask()).finalMessage()).rejects.toMatchObject({
      error: { error: { type: 'overloaded_error' } },
    });

    // A stall still open when the fake closes must not hold close() up.
    const other = await FakeAnthropic.start();
    other.enqueue({ stallAfterChars: 0, text: 'never' });
    const ai2 = new Anthropic({ apiKey: 'test', baseURL: other.url, maxRetries: 0 });
    const stuck = ai2.messages
      .stream(ask())
      .finalMessage()
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    expect(await stuck).toBeInstanceOf(Error);
  });
});
