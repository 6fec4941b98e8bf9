import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './slack-server.js';
import { clientFor } from './web-client.js';

/** The fake's streaming, feedback-button and agent-view methods keep Slack's rules, errors included. */

let slack: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  slack = await FakeSlack.start();
  client = clientFor(slack);
  slack.addChannel({ id: 'C0STREAM' });
  slack.addChannel({ id: 'D0ALICE', is_im: true, user: 'U0ALICE' });
});
afterAll(() => slack.close());

const FEEDBACK = {
  type: 'context_actions',
  elements: [
    {
      type: 'feedback_buttons',
      action_id: 'fb',
      positive_button: { text: { type: 'plain_text', text: '👍' }, value: 'up' },
      negative_button: { text: { type: 'plain_text', text: '👎' }, value: 'down' },
    },
  ],
};

describe('chat.startStream / appendStream / stopStream', () => {
  it('streams a reply, keeps every state shown, and takes blocks and metadata at the stop', async () => {
    const ask = slack.addMessage('C0STREAM', { user: 'U0ALICE', text: 'question' });
    const started = await client.chat.startStream({
      channel: 'C0STREAM',
      thread_ts: ask,
      recipient_user_id: 'U0ALICE',
      recipient_team_id: 'T0TEAM',
      markdown_text: 'Hello',
    });
    await client.chat.appendStream({ channel: 'C0STREAM', ts: started.ts!, markdown_text: ' **world**' });
    const stopped = await client.chat.stopStream({
      channel: 'C0STREAM',
      ts: started.ts!,
      blocks: [FEEDBACK] as never,
      metadata: { event_type: 'luna_answer', event_payload: { part: 0 } },
    });
    expect(stopped.message).toMatchObject({
      text: 'Hello **world**',
      thread_ts: ask,
      metadata: { event_type: 'luna_answer' },
    });
    const states = slack.postedIn('C0STREAM').filter((v) => v.ts === started.ts);
    expect(states.map((v) => [v.kind, v.text])).toEqual([
      ['stream', 'Hello'],
      ['stream', 'Hello **world**'],
      ['stream', 'Hello **world**'],
    ]);
    expect(slack.botMessages('C0STREAM', ask)).toHaveLength(1);
    await expect(
      client.chat.appendStream({ channel: 'C0STREAM', ts: started.ts!, markdown_text: 'late' }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_in_streaming_state' },
    });
    await expect(client.chat.stopStream({ channel: 'C0STREAM', ts: started.ts! })).rejects.toMatchObject({
      data: { error: 'message_not_in_streaming_state' },
    });
  });

  it('needs the recipient outside a DM, and not in one', async () => {
    const ask = slack.addMessage('C0STREAM', { user: 'U0ALICE', text: 'q' });
    await expect(
      client.chat.startStream({ channel: 'C0STREAM', thread_ts: ask, markdown_text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'missing_recipient_user_id' },
    });
    await expect(
      client.chat.startStream({
        channel: 'C0STREAM',
        thread_ts: ask,
        recipient_user_id: 'U0ALICE',
        markdown_text: 'x',
      }),
    ).rejects.toMatchObject({
      data: { error: 'missing_recipient_team_id' },
    });
    const dm = slack.addMessage('D0ALICE', { user: 'U0ALICE', text: 'q' });
    await expect(
      client.chat.startStream({ channel: 'D0ALICE', thread_ts: dm, markdown_text: 'hi' }),
    ).resolves.toMatchObject({ ok: true });
  });

  it('refuses a channel it cannot stream in, a method it lacks, someone else’s message, and text over 12,000 characters', async () => {
    slack.addChannel({ id: 'C0NOSTREAM' });
    slack.streamingRefused.add('C0NOSTREAM');
    const ask = slack.addMessage('C0NOSTREAM', { user: 'U0ALICE', text: 'q' });
    const args = {
      channel: 'C0NOSTREAM',
      thread_ts: ask,
      recipient_user_id: 'U0ALICE',
      recipient_team_id: 'T0TEAM',
      markdown_text: 'x',
    };
    await expect(client.chat.startStream(args)).rejects.toMatchObject({
      data: { error: 'channel_type_not_supported' },
    });
    slack.unavailableMethods.add('chat.startStream');
    await expect(client.chat.startStream({ ...args, channel: 'C0STREAM' })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
    slack.unavailableMethods.clear();
    await expect(client.chat.appendStream({ channel: 'C0STREAM', ts: ask, markdown_text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    const theirs = slack.addMessage('C0STREAM', { user: 'U0ALICE', text: 'mine' });
    await expect(
      client.chat.appendStream({ channel: 'C0STREAM', ts: theirs, markdown_text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_owned_by_app' },
    });
    const s = await client.chat.startStream({ ...args, channel: 'C0STREAM', thread_ts: theirs });
    await expect(
      client.chat.appendStream({ channel: 'C0STREAM', ts: s.ts!, markdown_text: 'y'.repeat(12_001) }),
    ).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
    await expect(
      client.chat.stopStream({
        channel: 'C0STREAM',
        ts: s.ts!,
        blocks: [{ type: 'context_actions', elements: [] }] as never,
      }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
  });
});

describe('feedback buttons, suggested prompts and loading messages', () => {
  it('validates the context_actions block in messages, and keeps it out of views', async () => {
    await expect(
      client.chat.postMessage({ channel: 'C0STREAM', text: 'answer', blocks: [FEEDBACK] as never }),
    ).resolves.toMatchObject({ ok: true });
    const noValue = structuredClone(FEEDBACK);
    delete (noValue.elements[0]!.negative_button as { value?: string }).value;
    await expect(
      client.chat.postMessage({ channel: 'C0STREAM', text: 'answer', blocks: [noValue] as never }),
    ).rejects.toMatchObject({
      data: {
        error: 'invalid_blocks',
        errors: ['missing required field: value [json-pointer:/blocks/0/elements/0/negative_button]'],
      },
    });
    await expect(
      client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: [FEEDBACK] as never } }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
  });

  it('sets up to four suggested prompts in a DM; with thread_ts an agent app’s call is answered and not shown', async () => {
    const prompts = [{ title: 'Map a journey', message: 'Draft a journey map' }];
    await client.assistant.threads.setSuggestedPrompts({ channel_id: 'D0ALICE', prompts });
    const dm = slack.addMessage('D0ALICE', { user: 'U0ALICE', text: 'q' });
    await client.assistant.threads.setSuggestedPrompts({ channel_id: 'D0ALICE', thread_ts: dm, prompts });
    expect(slack.suggestedPrompts.map((s) => s.shown)).toEqual([true, false]);
    await expect(
      client.assistant.threads.setSuggestedPrompts({
        channel_id: 'D0ALICE',
        prompts: Array.from({ length: 5 }, () => prompts[0]!),
      }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
    await expect(
      client.assistant.threads.setSuggestedPrompts({ channel_id: 'C0STREAM', prompts }),
    ).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('takes at most ten loading messages with a status', async () => {
    const dm = slack.addMessage('D0ALICE', { user: 'U0ALICE', text: 'q' });
    await client.assistant.threads.setStatus({
      channel_id: 'D0ALICE',
      thread_ts: dm,
      status: 'is thinking…',
      loading_messages: ['Reading the thread…'],
    });
    expect(slack.statuses.at(-1)).toMatchObject({ loadingMessages: ['Reading the thread…'] });
    await expect(
      client.assistant.threads.setStatus({
        channel_id: 'D0ALICE',
        thread_ts: dm,
        status: 'x',
        loading_messages: Array(11).fill('…') as string[],
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
  });
});
