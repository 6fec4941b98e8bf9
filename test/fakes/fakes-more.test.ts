import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventEnvelope, interactivityForm, signedRequest, slashCommandForm } from '../helpers/slack-sign.js';
import { segmentsOf, PromptCache } from './anthropic-cache.js';
import { FakeSlack } from './slack-server.js';
import { clientFor } from './web-client.js';

/** The fakes' less-travelled paths: JSON bodies, history windows, members, users, deletes, caching breakpoints. */

let slack: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  slack = await FakeSlack.start();
  client = clientFor(slack);
});
afterAll(() => slack.close());

describe('FakeSlack, further', () => {
  it('accepts JSON bodies with the token in the header only', async () => {
    slack.addChannel({ id: 'C0JSON' });
    const post = (headers: Record<string, string>, body: object) =>
      fetch(`${slack.url}chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    expect(
      await post({ authorization: 'Bearer xoxb-test' }, { channel: 'C0JSON', blocks: [{ type: 'divider' }] }),
    ).toMatchObject({ ok: true });
    expect(await post({}, { token: 'xoxb-test', channel: 'C0JSON', text: 'x' })).toMatchObject({
      ok: false,
      error: 'not_authed',
    });
    expect(slack.callsTo('chat.postMessage').at(-2)!.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('windows and paginates conversations.history newest first', async () => {
    slack.addChannel({ id: 'C0HIST' });
    const ts = ['1700000001.000100', '1700000002.000100', '1700000003.000100', '1700000004.000100'];
    for (const [i, t] of ts.entries()) slack.addMessage('C0HIST', { ts: t, user: 'U0ALICE', text: `m${i}` });
    slack.addMessage('C0HIST', { user: 'U0BOB', text: 'in thread', thread_ts: ts[0]! });
    const p1 = await client.conversations.history({ channel: 'C0HIST', limit: 2 });
    expect(p1.messages!.map((m) => m.text)).toEqual(['m3', 'm2']);
    const p2 = await client.conversations.history({
      channel: 'C0HIST',
      limit: 2,
      cursor: p1.response_metadata!.next_cursor!,
    });
    expect(p2.messages!.map((m) => m.text)).toEqual(['m1', 'm0']);
    expect(p2.has_more).toBe(false);
    const win = await client.conversations.history({ channel: 'C0HIST', oldest: ts[1]!, latest: ts[3]! });
    expect(win.messages!.map((m) => m.text)).toEqual(['m2']);
    const incl = await client.conversations.history({
      channel: 'C0HIST',
      oldest: ts[1]!,
      latest: ts[3]!,
      inclusive: true,
    });
    expect(incl.messages!.map((m) => m.text)).toEqual(['m3', 'm2', 'm1']);
  });

  it('serves conversations.info/members, users.info, usergroups, ephemerals, deletes and updates', async () => {
    slack.addChannel({ id: 'C0EXT', name: 'acme-shared', is_ext_shared: true, members: ['U0ALICE', 'U0BOB'] });
    expect((await client.conversations.info({ channel: 'C0EXT' })).channel).toMatchObject({
      name: 'acme-shared',
      is_ext_shared: true,
      is_im: false,
    });
    const m1 = await client.conversations.members({ channel: 'C0EXT', limit: 2 });
    const m2 = await client.conversations.members({
      channel: 'C0EXT',
      limit: 2,
      cursor: m1.response_metadata!.next_cursor!,
    });
    expect([...m1.members!, ...m2.members!].sort()).toEqual(['U0ALICE', 'U0BOB', 'U0LUNA']);
    slack.addUser({ id: 'U0CAROL', display_name: 'carol', is_bot: false });
    expect((await client.users.info({ user: 'U0CAROL' })).user).toMatchObject({
      is_bot: false,
      profile: { display_name: 'carol' },
    });
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
    slack.usergroups = [{ id: 'S0EXEC', handle: 'exec', users: ['U0ALICE'] }];
    expect((await client.usergroups.list({})).usergroups![0]).not.toHaveProperty('users');
    expect((await client.usergroups.list({ include_users: true })).usergroups![0]!.users).toEqual(['U0ALICE']);
    await client.chat.postEphemeral({ channel: 'C0EXT', user: 'U0ALICE', text: 'only you' });
    expect(slack.ephemerals).toMatchObject([{ channel: 'C0EXT', user: 'U0ALICE', text: 'only you' }]);

    const parent = await client.chat.postMessage({ channel: 'C0EXT', text: 'parent' });
    await client.chat.postMessage({ channel: 'C0EXT', text: 'reply', thread_ts: parent.ts! });
    const edited = await client.chat.update({ channel: 'C0EXT', ts: parent.ts!, text: 'edited' });
    expect(edited.message).toMatchObject({ text: 'edited', edited: { user: 'U0LUNA' } });
    await client.chat.delete({ channel: 'C0EXT', ts: parent.ts! });
    expect(slack.message('C0EXT', parent.ts!)).toMatchObject({
      subtype: 'tombstone',
      text: 'This message was deleted.',
    });
    await expect(client.chat.delete({ channel: 'C0EXT', ts: '1600000000.000001' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('posts to a user ID through the IM and records response_url POSTs', async () => {
    const res = await client.chat.postMessage({ channel: 'U0ALICE', text: 'psst' });
    expect(res.channel).toMatch(/^D/);
    expect(slack.botMessages(res.channel!).map((m) => m.text)).toEqual(['psst']);
    const url = slack.responseUrl();
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi', response_type: 'ephemeral' }),
    });
    expect(slack.responseUrlPosts.at(-1)!.body).toEqual({ text: 'hi', response_type: 'ephemeral' });
  });
});

describe('slack-sign helpers', () => {
  it('signs exactly like Slack and builds the bodies Slack sends', async () => {
    let seen: { headers: Record<string, string | string[] | undefined>; body: string } | undefined;
    const srv = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen = { headers: req.headers, body };
        res.end('ok');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/slack/events`;
    const envelope = eventEnvelope({ type: 'app_mention', ts: '1700000000.000100', text: 'hi' }, { eventId: 'Ev1' });
    const r = await signedRequest(url, envelope, {
      signingSecret: 's3cret',
      timestamp: 1_700_000_000,
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    srv.close();
    expect(r).toMatchObject({ status: 200, body: 'ok' });
    const expected = 'v0=' + createHmac('sha256', 's3cret').update(`v0:1700000000:${seen!.body}`).digest('hex');
    expect(seen!.headers).toMatchObject({
      'x-slack-signature': expected,
      'x-slack-request-timestamp': '1700000000',
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(JSON.parse(seen!.body)).toMatchObject({
      type: 'event_callback',
      event_id: 'Ev1',
      event: { event_ts: '1700000000.000100' },
      authorizations: [{ user_id: 'U0LUNA', is_bot: true }],
    });
    expect(new URLSearchParams(slashCommandForm({ text: 'Acme' })).get('command')).toBe('/journey-map');
    expect(JSON.parse(new URLSearchParams(interactivityForm({ type: 'block_actions' })).get('payload')!)).toEqual({
      type: 'block_actions',
    });
  });
});

describe('prompt cache rules', () => {
  const sys = (n: number) => [{ type: 'text', text: 'p'.repeat(n), cache_control: { type: 'ephemeral' } }];
  it('reads the longest cached prefix within 20 blocks of a breakpoint, and writes only the new part', () => {
    const cache = new PromptCache();
    const turn = (messages: unknown[]) => cache.use('claude-opus-4-5', segmentsOf({ system: sys(8000), messages }));
    const withBreakpoint = (text: string) => ({
      role: 'user',
      content: [{ type: 'text', text, cache_control: { type: 'ephemeral' } }],
    });
    expect(turn([withBreakpoint('q1')])).toMatchObject({
      cache_creation_input_tokens: 2001,
      cache_read_input_tokens: 0,
    });
    // Turn 2 moves the breakpoint; the turn-1 prefix (system + q1) is found by looking back from it.
    const q1 = { role: 'user', content: [{ type: 'text', text: 'q1' }] };
    const second = turn([q1, { role: 'assistant', content: 'a1'.repeat(10) }, withBreakpoint('q2')]);
    expect(second).toMatchObject({ cache_read_input_tokens: 2001, cache_creation_input_tokens: 5, input_tokens: 0 });
  });
});
