import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOADING_MESSAGES } from '../../src/personas/prompts.js';
import type { PostedVersion } from '../fakes/slack-server.js';
import { answersIn, jobsFinished, SIGNING_SECRET, startHarness, testConfig, type Harness } from '../helpers/harness.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';

/**
 * Answers stream into Slack while the model writes them (DMs and internal channels), through the real Bolt
 * receiver, BullMQ on Redis and the SDK's SSE parsing, against the fake Slack that keeps Slack's streaming
 * rules and records every state a reader could have seen.
 */

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ config: testConfig({ model: { streamIdleTimeoutSeconds: 3 } }) });
});
afterEach(async () => {
  await h.stop();
});

const C = 'C0SUPPORT';
/** Every state of the bot's messages in a thread, in order: each stream call, each update, each post. */
const statesIn = (threadTs: string): PostedVersion[] => h.slack.postedIn(C).filter((v) => v.thread_ts === threadTs);
const filler = (n: number) => 'Re-engage the sponsor with a value review. '.repeat(Math.ceil(n / 44)).slice(0, n);

describe('streamed answers', () => {
  it('in a channel: the first words show while the model still writes, then the final message keeps today’s formatting, buttons and marker', async () => {
    const text = `A **quick** answer: ${filler(700)} Next step: call **Acme** on Monday.`;
    h.anthropic.enqueue({ text, chunkChars: 30, chunkDelayMs: 25 });
    const res = await h.mention({ text: '<@U0LUNA> how do we save the Acme renewal?' });
    await jobsFinished(h);

    const start = h.slack.callsTo('chat.startStream')[0]!;
    // Outside a DM the stream is for the person who asked, in their team.
    expect(start.args).toMatchObject({
      channel: C,
      thread_ts: res.ts,
      recipient_user_id: 'U0ALICE',
      recipient_team_id: 'T0TEAM',
    });
    const states = statesIn(res.ts);
    const streamed = states.filter((v) => v.kind === 'stream');
    expect(streamed.length).toBeGreaterThanOrEqual(3); // start, at least one append, stop
    // Appended, never rewritten: each state a reader saw continues the one before.
    for (let i = 1; i < streamed.length; i++) expect(streamed[i]!.text.startsWith(streamed[i - 1]!.text)).toBe(true);
    expect(streamed[0]!.text).toMatch(/^A \*\*quick\*\* answer/); // Slack Markdown, which Slack renders as it streams
    expect(streamed[0]!.at).toBeLessThan(h.anthropic.requests[0]!.lastDeltaAt!); // visible before the model was done

    const final = states.at(-1)!;
    expect(final.kind).toBe('update');
    expect(final.text).toMatch(/^A \*quick\* answer: .* Next step: call \*Acme\* on Monday\.$/); // today's mrkdwn
    expect(final.blocks!.map((b) => (b as { type: string }).type)).toEqual(['section', 'context_actions']);
    expect(final.metadata).toMatchObject({
      event_type: 'luna_answer',
      event_payload: { part: 0, of: 1, asked_ts: res.ts },
    });
    expect(answersIn(h.slack, C, res.ts).map((m) => m.ts)).toEqual([start.response!.ts]);
    expect(h.slack.isStreaming(C, String(start.response!.ts))).toBe(false);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('a broadcast and a user mention split across model chunks never appear, in any state of the message', async () => {
    // Each chunk carries enough text to be sent on its own, so the split tokens straddle separate appends.
    const chunks = [
      `${filler(300)} Heads up <!chan`,
      `nel> and <!he`,
      `re|here> ${filler(300)} ping <@U0MAL`,
      `LORY> and <!subteam^S0RAN`,
      `DOM> ${filler(300)} and @ever`,
      `yone, thanks <@U0ALICE>.`,
    ];
    h.anthropic.enqueue({ text: chunks.join(''), chunks, chunkDelayMs: 120 });
    const res = await h.mention({ user: 'U0ALICE' });
    await jobsFinished(h);

    const states = statesIn(res.ts);
    expect(states.filter((v) => v.kind === 'stream').length).toBeGreaterThanOrEqual(4);
    for (const v of states) {
      expect(v.visibleText).not.toMatch(
        /<!chan|<!channel|<!he|<!here|<@U0MAL|<!subteam\^S0RAN|(?<![\w\u2060])@everyone/,
      );
    }
    expect(states.at(-1)!.text).toContain('<@U0ALICE>'); // a participant may still be named
  });

  it('in a DM: streams without a recipient, with the persona’s loading messages while it works', async () => {
    h.slack.addChannel({ id: 'D0ALICE', is_im: true, user: 'U0ALICE' });
    const ts = h.slack.addMessage('D0ALICE', { user: 'U0ALICE', text: 'What KPIs should I track for onboarding?' });
    h.anthropic.enqueue({
      text: 'Track **time-to-first-value** and weekly active seats.',
      chunkChars: 8,
      chunkDelayMs: 20,
    });
    const event = {
      type: 'message',
      channel_type: 'im',
      channel: 'D0ALICE',
      user: 'U0ALICE',
      text: 'What KPIs should I track for onboarding?',
      ts,
    };
    expect((await signedRequest(h.eventsUrl, eventEnvelope(event), { signingSecret: SIGNING_SECRET })).status).toBe(
      200,
    );
    await jobsFinished(h);

    const start = h.slack.callsTo('chat.startStream')[0]!;
    expect(start.args).toMatchObject({ channel: 'D0ALICE', thread_ts: ts });
    expect(start.args).not.toHaveProperty('recipient_user_id');
    expect(h.slack.statuses[0]!.loadingMessages).toEqual(h.settings.persona.loadingMessages);
    expect(h.slack.statuses[0]!.loadingMessages).not.toEqual(DEFAULT_LOADING_MESSAGES);
    expect(answersIn(h.slack, 'D0ALICE', ts).map((m) => m.text)).toEqual([
      'Track *time-to-first-value* and weekly active seats.',
    ]);
  });

  it.each([
    ['the channel type cannot stream', (hh: Harness) => hh.slack.streamingRefused.add(C)],
    ['the workspace has no streaming methods', (hh: Harness) => hh.slack.unavailableMethods.add('chat.startStream')],
  ])('where %s, the answer is posted once, complete, with no error in the thread', async (_, refuse) => {
    refuse(h);
    h.anthropic.enqueue({ text: 'Posted **once**.', chunkChars: 4, chunkDelayMs: 10 });
    const res = await h.mention({});
    await jobsFinished(h);
    expect(statesIn(res.ts).map((v) => [v.kind, v.text])).toEqual([['post', 'Posted *once*.']]);
    expect(answersIn(h.slack, C, res.ts)[0]!.blocks!.map((b) => (b as { type: string }).type)).toEqual([
      'section',
      'context_actions',
    ]);
  });

  it('a long answer streams its first message, then continues in further messages; the buttons are on the last', async () => {
    await h.stop();
    h = await startHarness({ config: testConfig({ model: { streamIdleTimeoutSeconds: 3, maxOutputTokens: 8000 } }) });
    const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${filler(600)}`).join('\n\n');
    h.anthropic.enqueue({ text: long, chunkChars: 400, chunkDelayMs: 5 });
    const res = await h.mention({});
    await jobsFinished(h);

    const parts = answersIn(h.slack, C, res.ts);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts[0]!.ts).toBe(h.slack.callsTo('chat.startStream')[0]!.response!.ts);
    for (const v of statesIn(res.ts).filter((x) => x.kind === 'stream'))
      expect(v.text.length).toBeLessThanOrEqual(3_000);
    expect(parts.map((p) => (p.metadata!.event_payload as { part: number }).part)).toEqual(parts.map((_, i) => i));
    expect(parts.map((p) => JSON.stringify(p.blocks ?? []).includes('feedback_buttons'))).toEqual(
      parts.map((_, i) => i === parts.length - 1),
    );
    const joined = parts.map((p) => p.text).join('\n');
    for (let i = 0; i < 12; i++) expect(joined).toContain(`Paragraph ${i}:`);
  });

  it('the model failing mid-stream: the retry finishes the same message with the complete answer, not a second one', async () => {
    h.anthropic.enqueue(
      { errorAfterChars: 120, text: `Half an answer ${filler(400)}`, chunkChars: 40, chunkDelayMs: 10 },
      { text: 'The **complete** answer.' },
    );
    const res = await h.mention({});
    await jobsFinished(h);
    const streamTs = h.slack.callsTo('chat.startStream')[0]!.response!.ts;
    expect(h.slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(answersIn(h.slack, C, res.ts).map((m) => [m.ts, m.text])).toEqual([[streamTs, 'The *complete* answer.']]);
    expect(h.slack.botMessages(C, res.ts)).toHaveLength(1);
  });

  it('with model.stream: false, answers are posted once', async () => {
    await h.stop();
    h = await startHarness({ config: testConfig({ model: { stream: false } }) });
    h.anthropic.enqueue({ text: 'Not streamed.', chunkChars: 3, chunkDelayMs: 5 });
    const res = await h.mention({});
    await jobsFinished(h);
    expect(h.slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(statesIn(res.ts).map((v) => [v.kind, v.text])).toEqual([['post', 'Not streamed.']]);
  });
});
