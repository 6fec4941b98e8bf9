import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from './fakes/anthropic-server.js';
import { FakeSlack } from './fakes/slack-server.js';
import { answersIn, clearPrefix, SIGNING_SECRET, testConfig, testEnv, until } from './helpers/harness.js';
import { descendantsOf, metricSum, scrape, startLunaProcess, type LunaProcess } from './helpers/luna-procs.js';
import { readFileSync } from 'node:fs';
import { eventEnvelope, signedRequest } from './helpers/slack-sign.js';

/**
 * `npm start` with LUNA_ROLE=all: one command, one port, one /metrics — but the answering runs in a child
 * process of its own, so it never holds up an ack on the same event loop.
 */
let luna: LunaProcess | undefined;
let slack: FakeSlack;
let anthropic: FakeAnthropic;
let prefix: string;
afterEach(async () => {
  await luna?.stop(10_000);
  await slack?.close();
  await anthropic?.close();
  await clearPrefix(prefix);
});

describe('LUNA_ROLE=all, split', () => {
  it('answers through its worker process, shows that process in /readyz and merges its metrics into /metrics', async () => {
    slack = await FakeSlack.start();
    anthropic = await FakeAnthropic.start();
    anthropic.defaultReply = { text: 'Answered by the worker process.' };
    prefix = `luna-test-${randomUUID().slice(0, 8)}`;
    slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
    const env = await testEnv({
      slack,
      anthropic,
      prefix,
      config: testConfig(),
      env: { LUNA_ROLE: 'all', LOG_LEVEL: 'info' },
    });
    luna = await startLunaProcess(env);
    expect(luna.role).toBe('all');
    await until(
      async () => (await fetch(`http://127.0.0.1:${luna!.port}/readyz`)).status === 200,
      'ready with its worker process',
      30_000,
    );
    const readyz = (await (await fetch(`http://127.0.0.1:${luna.port}/readyz`)).json()) as Record<string, string>;
    expect(readyz['worker-process']).toBe('ok');
    // The worker process runs at LUNA_WORKER_NICE (default 10), the web half at the priority it was started with.
    const niceOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const [worker] = descendantsOf(luna.pid);
    expect(niceOf(worker!) - niceOf(luna.pid)).toBe(10);

    const ts = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: '<@U0LUNA> hello' });
    const event = {
      type: 'app_mention',
      user: 'U0ALICE',
      text: '<@U0LUNA> hello',
      ts,
      channel: 'C0SUPPORT',
      event_ts: ts,
    };
    const res = await signedRequest(`http://127.0.0.1:${luna.port}/slack/events`, eventEnvelope(event), {
      signingSecret: SIGNING_SECRET,
    });
    expect(res.status).toBe(200);
    await until(() => answersIn(slack, 'C0SUPPORT', ts).length === 1, 'the answer', 20_000);
    // Counted by the worker process, served by the web process: one view.
    await until(
      async () => metricSum(await scrape(luna!.port), 'luna_answers_total', { outcome: 'answered' }) === 1,
      'the merged metric',
      10_000,
    );
    const text = await scrape(luna.port);
    expect(metricSum(text, 'luna_ack_latency_seconds_count')).toBe(1); // the web half's own
    expect(luna.output()).toMatch(/"msg":"worker process started","role":"worker"/);
  });
});
