import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answersIn, clearPrefix, jobsFinished, startHarness, testConfig, type Harness } from '../helpers/harness.js';
import { eventEnvelope, slashCommandForm } from '../helpers/slack-sign.js';
import { startTcpGate, type TcpGate } from '../helpers/tcp-gate.js';
import { asSocketEnvelope, fuzzRequests } from '../fuzz/generator.js';

/** Socket Mode over a real WebSocket: LUNA's Bolt receiver ↔ the fake's apps.connections.open + /link/. */

// An empty value means "unset" to LUNA (as `FOO=` in a shell does): Socket Mode without a signing secret.
const SOCKET_ENV = { SLACK_APP_TOKEN: 'xapp-test', SLACK_SIGNING_SECRET: '' };

let h: Harness | undefined;
let gate: TcpGate | undefined;
afterEach(async () => {
  gate?.release(); // a failed assertion must not leave LUNA's Redis held while it stops
  await h?.stop();
  h = undefined;
  await gate?.close();
  gate = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function jobCount(x: Harness): Promise<number> {
  const counts = await x.luna.queue.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function mention(x: Harness, text: string) {
  if (!x.slack.hasChannel('C0SUPPORT')) x.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
  const ts = x.slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text });
  const event = { type: 'app_mention', user: 'U0ALICE', text, ts, channel: 'C0SUPPORT' };
  return { ts, envelope: { type: 'events_api' as const, payload: eventEnvelope(event) } };
}

describe('Socket Mode over the wire', () => {
  beforeEach(async () => {
    h = await startHarness({
      env: SOCKET_ENV,
      // A slow model must not look like a stalled stream: the ack test holds the model for over a second.
      config: testConfig({ model: { streamIdleTimeoutSeconds: 5 } }),
    });
  });

  it('connects through SLACK_API_URL with the app token and keeps /healthz on LUNA’s port', async () => {
    const x = h!;
    expect(x.settings.socketMode).toBe(true);
    expect(x.settings.env.SLACK_SIGNING_SECRET).toBeUndefined();
    await x.slack.socket.waitForConnection();
    expect(x.slack.socket.connections).toBe(1);
    // The fake only answers ok to its own app-level token, so this is the xapp token reaching SLACK_API_URL.
    const opens = x.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.response).toMatchObject({ ok: true });

    const base = `http://127.0.0.1:${x.luna.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // Events arrive over the socket only; the HTTP endpoint is not mounted.
    expect((await fetch(`${base}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
    // The client pings the fake every ~1.7 s and the fake pongs, so the connection stays up.
    await x.slack.waitFor(() => x.slack.socket.pings > 0, 5_000, 'a ping from the Socket Mode client');
    expect(x.slack.socket.connections).toBe(1);
    expect(x.slack.errors).toEqual([]);
  });

  it('acks an app_mention envelope at once and answers once in the thread, a redelivery included', async () => {
    const x = h!;
    expect(x.settings.workspace.model.streamIdleTimeoutSeconds).toBe(5);
    await x.slack.socket.waitForConnection();
    const { ts, envelope } = mention(x, '<@U0LUNA> how do we save the Acme renewal?');
    // The model is slower than the ack budget: an ack that waited for it would miss the 1 s bound.
    x.anthropic.latencyMs = 1_200;
    x.anthropic.enqueue({ text: 'Start with the **renewal** risk.' });

    const ack = await x.slack.socket.send(envelope);
    expect(ack.ms).toBeLessThan(1_000);
    expect(ack.payload ?? {}).toEqual({});
    expect(answersIn(x.slack, 'C0SUPPORT', ts)).toHaveLength(0);
    console.info(`socket mode ack: ${ack.ms!.toFixed(1)} ms`);

    const retry = await x.slack.socket.send({ ...envelope, retry_attempt: 1, retry_reason: 'timeout' });
    expect(retry.ms).toBeLessThan(1_000);
    console.info(`socket mode redelivery ack: ${retry.ms!.toFixed(1)} ms`);

    await jobsFinished(x, 1);
    await sleep(300);
    const answers = answersIn(x.slack, 'C0SUPPORT', ts);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.text).toBe('Start with the *renewal* risk.');
    expect(x.anthropic.requests).toHaveLength(1);
    expect(await jobCount(x)).toBe(1);
    expect(x.slack.socket.acks.map((a) => a.envelope_id)).toEqual([ack.envelope_id, retry.envelope_id]);
  });

  it('acks but ignores LUNA’s own message, while a person’s DM on the same socket is answered', async () => {
    const x = h!;
    await x.slack.socket.waitForConnection();
    x.slack.addChannel({ id: 'D0ALICE', is_im: true, user: 'U0ALICE' });
    const own = x.slack.addMessage('D0ALICE', { user: 'U0LUNA', bot_id: 'B0LUNA', text: 'Here is my earlier answer.' });
    const ownEvent = {
      type: 'message',
      channel: 'D0ALICE',
      channel_type: 'im',
      user: 'U0LUNA',
      bot_id: 'B0LUNA',
      text: 'Here is my earlier answer.',
      ts: own,
    };
    const ownAck = await x.slack.socket.send({ type: 'events_api', payload: eventEnvelope(ownEvent) });
    expect(ownAck.ms).toBeLessThan(1_000);
    await sleep(200);
    expect(await jobCount(x)).toBe(0);

    x.anthropic.enqueue({ text: 'Track time-to-first-value.' });
    const asked = x.slack.addMessage('D0ALICE', { user: 'U0ALICE', text: 'What KPIs should I track for onboarding?' });
    const dm = {
      type: 'message',
      channel: 'D0ALICE',
      channel_type: 'im',
      user: 'U0ALICE',
      text: 'What KPIs should I track for onboarding?',
      ts: asked,
    };
    await x.slack.socket.send({ type: 'events_api', payload: eventEnvelope(dm) });
    await jobsFinished(x, 1);
    expect(await jobCount(x)).toBe(1);
    expect(x.anthropic.requests).toHaveLength(1);
    expect(JSON.stringify(x.anthropic.requests[0]!.body.messages)).toContain('What KPIs should I track');
    expect(answersIn(x.slack, 'D0ALICE', asked).map((m) => m.text)).toEqual(['Track time-to-first-value.']);
    expect(x.slack.botMessages('D0ALICE').filter((m) => m.thread_ts === own)).toHaveLength(0);
  });

  it('frames and envelopes of shapes Slack does not send are dropped or acked — never a crash, never left for Slack to redeliver', async () => {
    const x = h!;
    await x.slack.socket.waitForConnection();
    // No envelope at all: nothing to ack, nothing to read. The socket client used to throw on `null` in a promise nobody awaited.
    for (const raw of ['null', '5', '"hello"', '[]', '{not json']) x.slack.socket.sendRaw(raw);
    const malformed = [
      { type: 'events_api' as const, payload: null },
      { type: 'events_api' as const, payload: { type: 'event_callback', event: null } },
      {
        type: 'events_api' as const,
        payload: eventEnvelope({ type: 'app_mention', user: null, channel: 'C0SUPPORT', ts: '1700000000.000100' }),
      },
      { type: 'interactive' as const, payload: null },
      {
        type: 'interactive' as const,
        payload: { type: 'block_actions', user: { id: 'U0ALICE' }, actions: 'not a list' },
      },
      {
        type: 'interactive' as const,
        payload: { type: 'block_actions', user: { id: 'U0ALICE' }, actions: [{ action_id: 'renamed_in_an_upgrade' }] },
      },
      {
        type: 'slash_commands' as const,
        payload: { command: '/journey-map', user_id: 'U0ALICE', channel_id: 'C0SUPPORT', trigger_id: '1.2.3' },
      },
    ];
    // The fake rejects an envelope that is not acked within Slack's 3 s.
    const acks = await Promise.all(malformed.map((e) => x.slack.socket.send(e)));
    expect(acks).toHaveLength(malformed.length);
    expect(acks.at(-1)!.payload).toMatchObject({ text: expect.stringMatching(/journey-map/) as string }); // usage, in the ack
    expect(await jobCount(x)).toBe(0);
    // The generator's mutated requests, as Socket Mode would carry them: every one acked.
    const fuzzed = fuzzRequests(23, 80, { threads: {}, reserved: {}, responseUrl: x.slack.responseUrl() })
      .map(asSocketEnvelope)
      .filter((e) => e !== undefined);
    for (const e of fuzzed) await x.slack.socket.send(e);

    x.anthropic.enqueue({ text: 'Still listening.' });
    const { ts, envelope } = mention(x, '<@U0LUNA> still there?');
    await x.slack.socket.send(envelope);
    await x.slack.waitFor(
      () => answersIn(x.slack, 'C0SUPPORT', ts).length === 1,
      15_000,
      'an answer after the malformed frames',
    );
    expect(x.slack.socket.connections).toBe(1);
    expect(x.slack.errors).toEqual([]);
  });

  it('closes its socket itself on stop, promptly', async () => {
    const x = h!;
    await x.slack.socket.waitForConnection();
    h = undefined; // this test stops LUNA itself and then its fakes
    try {
      const started = performance.now();
      await x.luna.stop();
      // LUNA hangs up before the fake does: the fake is still running here.
      await x.slack.waitFor(() => x.slack.socket.connections === 0, 2_000, 'the Socket Mode connection to close');
      const ms = performance.now() - started;
      console.info(`socket mode stop: ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(2_000);
    } finally {
      await x.slack.close();
      await x.anthropic.close();
      await clearPrefix(x.prefix);
    }
  });
});

describe('Socket Mode acks', () => {
  it('holds the ack until the job is in Redis, so an event Slack saw acked is never lost', async () => {
    gate = await startTcpGate(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    h = await startHarness({ env: { ...SOCKET_ENV, REDIS_URL: gate.url } });
    await h.slack.socket.waitForConnection();
    const { ts, envelope } = mention(h, '<@U0LUNA> is the Acme renewal at risk?');

    gate.hold(); // LUNA's Redis goes quiet: nothing can be queued
    let acked = false;
    const sent = h.slack.socket.send(envelope);
    sent.then(
      () => (acked = true),
      () => {},
    );
    await sleep(400);
    expect(acked).toBe(false);
    gate.release();
    const ack = await sent;
    expect(ack.ms).toBeGreaterThanOrEqual(400);
    expect(await h.luna.queue.getJob(`answer-C0SUPPORT-${ts}`)).toBeDefined();
    console.info(`socket mode ack with Redis held 400 ms: ${ack.ms!.toFixed(0)} ms`);
    await jobsFinished(h, 1);
    expect(answersIn(h.slack, 'C0SUPPORT', ts)).toHaveLength(1);
  });

  it('sends what a command listener acks with back in the envelope ack', async () => {
    h = await startHarness({ env: SOCKET_ENV });
    await h.slack.socket.waitForConnection();
    // Slack sends a command's fields as a JSON object over the socket, not as a form.
    const payload = Object.fromEntries(
      new URLSearchParams(slashCommandForm({ command: '/journey-map', text: 'help' })),
    );
    const ack = await h.slack.socket.send({ type: 'slash_commands', payload });
    expect(ack.ms).toBeLessThan(1_000);
    expect(ack.payload).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/journey-map') as unknown,
    });
    expect(await jobCount(h)).toBe(0);
  });
});
