import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { answersIn, clearPrefix, SIGNING_SECRET, testEnv } from '../helpers/harness.js';
import { metricSum, scrape, startLunaProcess, type LunaProcess } from '../helpers/luna-procs.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';

/**
 * LUNA_ROLE in separate processes, as production scales it: one web process acks and enqueues, two
 * worker processes drain the same queue. The web process is pointed at its own Anthropic fake, which
 * must never see a request.
 */
// Not about limits: one person sends every mention, so the per-person limits are lifted.
const CONFIG = `
limits:
  mentionsPerPersonPerMinute: 10000
  mentionsPerPersonPerDay: 10000
queue:
  concurrency: 2
  attempts: 3
  backoffSeconds: 0.05
  lockSeconds: 2
  shutdownGraceSeconds: 2
`;

let slack: FakeSlack;
let anthropic: FakeAnthropic;
let trap: FakeAnthropic;
let prefix: string;
let procs: LunaProcess[] = [];

beforeAll(async () => {
  [slack, anthropic, trap] = await Promise.all([FakeSlack.start(), FakeAnthropic.start(), FakeAnthropic.start()]);
  prefix = `luna-test-${randomUUID().slice(0, 8)}`;
  slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
  anthropic.latencyMs = 300;
  const env = (role: string, model: FakeAnthropic) =>
    testEnv({ slack, anthropic: model, prefix, config: CONFIG, env: { LUNA_ROLE: role } });
  procs = await Promise.all([
    startLunaProcess(await env('web', trap)),
    startLunaProcess(await env('worker', anthropic)),
    startLunaProcess(await env('worker', anthropic)),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await clearPrefix(prefix);
  await Promise.all([slack.close(), anthropic.close(), trap.close()]);
});

describe('1 web + 2 workers on one queue', () => {
  it('the web process enqueues, both workers drain, each mention is answered once, and only workers call the model', async () => {
    const [web, ...workers] = procs;
    const sent: string[] = [];
    for (let i = 0; i < 8; i++) {
      const ts = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: `<@U0LUNA> question ${i}` });
      const event = { type: 'app_mention', user: 'U0ALICE', text: `<@U0LUNA> question ${i}`, ts, channel: 'C0SUPPORT' };
      const res = await signedRequest(`http://127.0.0.1:${web!.port}/slack/events`, eventEnvelope(event), {
        signingSecret: SIGNING_SECRET,
      });
      expect(res.status).toBe(200);
      sent.push(ts);
    }
    await slack.waitFor(
      () => sent.every((ts) => answersIn(slack, 'C0SUPPORT', ts).length >= 1),
      15_000,
      'every mention answered',
    );
    await new Promise((r) => setTimeout(r, 200)); // room for a duplicate to show up, if there were one
    expect(sent.map((ts) => answersIn(slack, 'C0SUPPORT', ts).length)).toEqual(sent.map(() => 1));

    expect(trap.requests).toHaveLength(0);
    expect(anthropic.requests).toHaveLength(8);
    const done = await Promise.all(
      workers.map(async (w) => metricSum(await scrape(w.port), 'luna_job_duration_seconds_count', { outcome: 'ok' })),
    );
    expect(done.reduce((a, b) => a + b, 0)).toBe(8);
    for (const n of done) expect(n).toBeGreaterThan(0); // two jobs at a time each: eight need both
    expect(metricSum(await scrape(web!.port), 'luna_job_duration_seconds_count')).toBe(0);
    // Workers do not receive Slack requests at all.
    const event = eventEnvelope({
      type: 'app_mention',
      user: 'U0ALICE',
      text: 'hi',
      ts: sent[0]!,
      channel: 'C0SUPPORT',
    });
    expect(
      (
        await signedRequest(`http://127.0.0.1:${workers[0]!.port}/slack/events`, event, {
          signingSecret: SIGNING_SECRET,
        })
      ).status,
    ).toBe(404);
  });
});
