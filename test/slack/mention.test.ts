import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answersIn, jobsFinished, startHarness, SIGNING_SECRET, testConfig, type Harness } from '../helpers/harness.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const completed = (n = 1) => jobsFinished(h, n);

describe('@luna mentions over the wire', () => {
  it('acks at once and answers once in the thread, as LUNA, with a working indicator', async () => {
    h.anthropic.enqueue({ text: 'A **quick** answer for the renewal.' });
    const res = await h.mention({ text: '<@U0LUNA> how do we save the Acme renewal?' });
    expect(res.status).toBe(200);
    await completed();
    const answers = answersIn(h.slack, 'C0SUPPORT', res.ts);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.text).toBe('A *quick* answer for the renewal.');
    expect(h.slack.callsTo('reactions.add')).toHaveLength(1);
    expect(h.slack.callsTo('reactions.remove')).toHaveLength(1);
    const req = h.anthropic.requests[0]!.body;
    expect(JSON.stringify(req.messages)).toContain('how do we save the Acme renewal?');
  });

  it('refuses forged and stale signatures and queues nothing', async () => {
    const event = eventEnvelope({
      type: 'app_mention',
      user: 'U0ALICE',
      text: 'hi',
      ts: '1700000000.000001',
      channel: 'C0SUPPORT',
    });
    const forged = await signedRequest(h.eventsUrl, event, { signingSecret: SIGNING_SECRET, badSignature: true });
    const wrongSecret = await signedRequest(h.eventsUrl, event, { signingSecret: 'not-the-secret' });
    const stale = await signedRequest(h.eventsUrl, event, {
      signingSecret: SIGNING_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    for (const r of [forged, wrongSecret, stale]) expect(r.status).toBe(401);
    const counts = await h.luna.queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('turns a retried or duplicated delivery into one job and one answer', async () => {
    h.anthropic.latencyMs = 200;
    const first = await h.mention({ eventId: 'Ev1' });
    const again = await h.mention({ eventId: 'Ev1', ts: first.ts, retryNum: 1 });
    const dup = await h.mention({ eventId: 'Ev1', ts: first.ts });
    for (const r of [first, again, dup]) expect(r.status).toBe(200);
    await completed();
    await new Promise((r) => setTimeout(r, 300));
    expect(answersIn(h.slack, 'C0SUPPORT', first.ts)).toHaveLength(1);
    expect(h.anthropic.requests).toHaveLength(1);
  });

  it('ignores bots (LUNA included), edits and deletions', async () => {
    h.slack.addChannel({ id: 'C0BOTS' });
    const bodies = [
      {
        type: 'app_mention',
        bot_id: 'B0OTHER',
        user: 'U0OTHERBOT',
        text: '<@U0LUNA> ping',
        ts: '1700000001.000001',
        channel: 'C0BOTS',
      },
      { type: 'app_mention', user: 'U0LUNA', text: '<@U0LUNA> me', ts: '1700000001.000002', channel: 'C0BOTS' },
      {
        type: 'app_mention',
        user: 'U0ALICE',
        text: '<@U0LUNA> edited',
        ts: '1700000001.000003',
        channel: 'C0BOTS',
        edited: { user: 'U0ALICE', ts: '1700000002.000000' },
      },
      {
        type: 'message',
        subtype: 'message_changed',
        channel: 'D0ALICE',
        channel_type: 'im',
        ts: '1700000001.000004',
        message: { user: 'U0ALICE', text: 'x' },
      },
      { type: 'message', subtype: 'message_deleted', channel: 'D0ALICE', channel_type: 'im', ts: '1700000001.000005' },
      {
        type: 'message',
        subtype: 'bot_message',
        bot_id: 'B0OTHER',
        channel: 'D0ALICE',
        channel_type: 'im',
        ts: '1700000001.000006',
        text: 'bot',
      },
    ];
    for (const [i, e] of bodies.entries()) {
      const r = await signedRequest(h.eventsUrl, eventEnvelope(e, { eventId: `EvBot${i}` }), {
        signingSecret: SIGNING_SECRET,
      });
      expect(r.status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 200));
    const counts = await h.luna.queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(h.anthropic.requests).toHaveLength(0);
  });

  it('answers a direct message like a mention', async () => {
    h.slack.addChannel({ id: 'D0ALICE', is_im: true, user: 'U0ALICE' });
    const ts = h.slack.addMessage('D0ALICE', { user: 'U0ALICE', text: 'What KPIs should I track for onboarding?' });
    h.anthropic.enqueue({ text: 'Track time-to-first-value.' });
    const r = await signedRequest(
      h.eventsUrl,
      eventEnvelope({
        type: 'message',
        channel_type: 'im',
        channel: 'D0ALICE',
        user: 'U0ALICE',
        text: 'What KPIs should I track for onboarding?',
        ts,
        event_ts: ts,
      }),
      { signingSecret: SIGNING_SECRET },
    );
    expect(r.status).toBe(200);
    await completed();
    expect(answersIn(h.slack, 'D0ALICE', ts).map((m) => m.text)).toEqual(['Track time-to-first-value.']);
    // In a DM the assistant status shows LUNA is working; no reaction is needed there.
    expect(h.slack.callsTo('assistant.threads.setStatus')).toHaveLength(1);
  });

  it('reads a 1,500-message thread across pages, keeping the parent and the newest messages', async () => {
    const parent = h.slack.addMessage('C0SUPPORT', { user: 'U0BOB', text: 'PARENT: Acme is unhappy with onboarding' });
    h.slack.addChannel({ id: 'C0SUPPORT' });
    for (let i = 1; i < 1499; i++)
      h.slack.addMessage('C0SUPPORT', { user: i % 2 ? 'U0BOB' : 'U0CAROL', text: `reply ${i}`, thread_ts: parent });
    const res = await h.mention({ threadTs: parent, text: '<@U0LUNA> LATEST: what should we do?' });
    await completed();
    const pages = h.slack.callsTo('conversations.replies').filter((c) => c.args.ts === parent);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    const prompt = JSON.stringify(h.anthropic.requests[0]!.body.messages);
    expect(prompt).toContain('PARENT: Acme is unhappy with onboarding');
    expect(prompt).toContain('LATEST: what should we do?');
    expect(prompt).toContain('reply 1498');
    expect(answersIn(h.slack, 'C0SUPPORT', parent)).toHaveLength(1);
    expect(res.status).toBe(200);
  });

  it('delivers a 56,000-character answer whole, in ordered messages Slack accepts', async () => {
    await h.stop();
    // Room for a 14k-token answer; the default cap (4,096 tokens) would cut it, as the real API does.
    h = await startHarness({ config: testConfig({ model: { maxOutputTokens: 16000 } }) });
    const paragraphs = Array.from({ length: 80 }, (_, i) => `Paragraph ${i}: ${'retention insight '.repeat(39)}`);
    const long = paragraphs.join('\n\n');
    expect(long.length).toBeGreaterThan(56_000);
    h.anthropic.enqueue({ text: long, chunkChars: 2000 });
    const res = await h.mention({});
    await completed();
    const parts = answersIn(h.slack, 'C0SUPPORT', res.ts);
    expect(parts.length).toBeGreaterThan(1);
    const failed = h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.response?.ok === false);
    expect(failed).toHaveLength(0);
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(4000);
    const joined = parts.map((p) => p.text).join('\n');
    for (let i = 0; i < 80; i++) expect(joined).toContain(`Paragraph ${i}:`);
    const order = paragraphs.map((_, i) => joined.indexOf(`Paragraph ${i}:`));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('strips broadcasts and unknown mentions the model tries to write', async () => {
    h.anthropic.enqueue({
      text: 'Heads up <!channel> and <!here>! Ping <@U0MALLORY> and <!subteam^S0RANDOM>, and thanks <@U0ALICE>.',
    });
    const res = await h.mention({ user: 'U0ALICE' });
    await completed();
    const text = answersIn(h.slack, 'C0SUPPORT', res.ts)[0]!.text;
    expect(text).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U0MALLORY>|<!subteam\^S0RANDOM/);
    expect(text).toContain('<@U0ALICE>'); // a participant of the thread may be named
    expect(h.slack.callsTo('chat.postMessage').every((c) => !String(c.args.text).includes('<!channel>'))).toBe(true);
  });
});
