import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobsFinished, SIGNING_SECRET, startHarness, type Harness } from '../helpers/harness.js';
import { buttonClickForm, eventEnvelope, interactivityForm, signedRequest } from '../helpers/slack-sign.js';

/**
 * Signed requests Slack could send (or a replayer could) that LUNA must neither 500 on — a 500 makes Slack
 * redeliver the same payload again and again — nor act on.
 */

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const jobCount = async () => Object.values(await h.luna.queue.getJobCounts()).reduce((a, b) => a + b, 0);
const now = () => Math.floor(Date.now() / 1000);
const send = (body: string | object, timestamp?: number) =>
  signedRequest(h.eventsUrl, body, {
    signingSecret: SIGNING_SECRET,
    ...(timestamp !== undefined ? { timestamp } : {}),
  });

describe('signed requests LUNA refuses or drops', () => {
  it('a request dated more than 5 minutes ahead is refused like a stale one (401) and queues nothing', async () => {
    h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
    const event = (ts: string) =>
      eventEnvelope({ type: 'app_mention', user: 'U0ALICE', text: '<@U0LUNA> hi', ts, channel: 'C0SUPPORT' });

    const future = await send(event('1700000000.000001'), now() + 6 * 60);
    const farFuture = await send(event('1700000000.000002'), now() + 86_400);
    const stale = await send(event('1700000000.000003'), now() - 6 * 60);
    expect([future.status, farFuture.status, stale.status]).toEqual([401, 401, 401]);
    expect(future.body).toBe(stale.body);
    expect(await jobCount()).toBe(0);

    // Within Bolt's five minutes either way, a request is still Slack's.
    h.anthropic.enqueue({ text: 'Hello!' });
    const skewed = await send(
      event(h.slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: '<@U0LUNA> hi' })),
      now() + 4 * 60,
    );
    expect(skewed.status).toBe(200);
    await jobsFinished(h, 1);
  });

  it('an event without a channel is answered 200 and queues nothing', async () => {
    const ts = `${now()}.000100`;
    const bodies = [
      eventEnvelope({ type: 'app_mention', user: 'U0ALICE', text: '<@U0LUNA> hi', ts }),
      eventEnvelope({ type: 'message', channel_type: 'im', user: 'U0ALICE', text: 'hi', ts }),
      eventEnvelope({ type: 'app_mention', user: 'U0ALICE', text: '<@U0LUNA> digest', ts, channel: '' }),
    ];
    for (const body of bodies) expect((await send(body)).status).toBe(200);
    expect(await jobCount()).toBe(0);
  });

  it('a click or shortcut without a user is answered 200 and queues nothing', async () => {
    const click = (action_id: string, value: string) =>
      interactivityForm({
        type: 'block_actions',
        api_app_id: 'A0LUNA',
        team: { id: 'T0TEAM', domain: 'fake' },
        token: 'legacy',
        trigger_id: '9.9.9',
        container: { type: 'message', channel_id: 'C0ESC', message_ts: '1700000000.000100' },
        channel: { id: 'C0ESC' },
        message: { ts: '1700000000.000100' },
        actions: [{ type: 'button', action_id, value, action_ts: '1700000001.000001' }],
      });
    const bodies = [
      click('escalation_acknowledge', 'C0SUPPORT-1700000000.000100-complex'),
      click('digest_action_done', JSON.stringify({ d: 'digest-C0FEEDBACK-1', i: 0 })),
      click('home_refresh', 'refresh'),
      interactivityForm({
        type: 'message_action',
        callback_id: 'feedback_digest',
        team: { id: 'T0TEAM' },
        channel: { id: 'C0FEEDBACK' },
        message: { ts: '1700000000.000100' },
        action_ts: '1.2',
      }),
    ];
    for (const body of bodies) expect((await send(body)).status).toBe(200);
    expect(await jobCount()).toBe(0);
  });

  it('an escalation click that does not say which message it came from is answered 200 and not queued', async () => {
    const fromNowhere = buttonClickForm({
      user: 'U0456EFGH',
      actionId: 'escalation_acknowledge',
      value: 'C0SUPPORT-1700000000.000100-complex',
    });
    const fromAView = buttonClickForm({
      user: 'U0456EFGH',
      actionId: 'escalation_take',
      value: 'C0SUPPORT-1700000000.000100-complex',
      view: { id: 'V0HOME' },
    });
    const half = (keep: 'channel' | 'message') =>
      interactivityForm({
        type: 'block_actions',
        user: { id: 'U0456EFGH', team_id: 'T0TEAM' },
        team: { id: 'T0TEAM', domain: 'fake' },
        api_app_id: 'A0LUNA',
        container: { type: 'message', channel_id: 'C0ESC', message_ts: '1700000000.000100' },
        ...(keep === 'channel' ? { channel: { id: 'C0ESC' } } : { message: { ts: '1700000000.000100' } }),
        actions: [
          {
            type: 'button',
            action_id: 'escalation_not_strategic',
            value: 'C0SUPPORT-1700000000.000100-complex',
            action_ts: '1700000001.000002',
          },
        ],
      });
    for (const body of [fromNowhere, fromAView, half('channel'), half('message')])
      expect((await send(body)).status).toBe(200);
    expect(await jobCount()).toBe(0);
  });
});

describe('Slack unreachable when LUNA starts', () => {
  it('does not crash or stay broken: the first request is refused (Slack redelivers it), the next ones are served', async () => {
    const h = await startHarness({ env: { LUNA_ROLE: 'web' } });
    try {
      h.slack.failNext('auth.test', { status: 500, times: 2 }); // the client retries once: both tries fail
      const first = await h.mention({ text: '<@U0LUNA> anyone home?' });
      // Bolt answers a failed authorization 401; Slack redelivers any answer that is not a 2xx.
      expect(first.status).toBeGreaterThanOrEqual(400);
      const again = await h.mention({ ts: first.ts, text: '<@U0LUNA> anyone home?', retryNum: 1 });
      expect(again.status).toBe(200);
      const later = await h.mention({ text: '<@U0LUNA> and now?' });
      expect(later.status).toBe(200);
      expect(h.slack.callsTo('auth.test')).toHaveLength(3); // a success is kept: no auth.test per request
      expect(await h.luna.queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
    } finally {
      await h.stop();
    }
  });
});
