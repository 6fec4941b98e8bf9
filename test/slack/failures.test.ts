import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answersIn, jobsFinished, startHarness, testConfig, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  // The watchdog test below wants a stall noticed quickly.
  h = await startHarness({ config: testConfig({ model: { streamIdleTimeoutSeconds: 0.5 } }) });
});
afterEach(async () => {
  await h.stop();
});

const settled = (n = 1) => jobsFinished(h, n);

const apologies = (channel: string, ts: string) =>
  h.slack.botMessages(channel, ts).filter((m) => (m.metadata?.event_payload as { part?: unknown })?.part === 'apology');

describe('failures are retried, and a lasting one ends in a visible message', () => {
  it('three 529s then success gives exactly one answer', async () => {
    h.anthropic.enqueue({ status: 529 }, { status: 529 }, { status: 529 }, { text: 'Recovered answer.' });
    const res = await h.mention({});
    const counts = await settled();
    expect(counts.completed).toBe(1);
    expect(h.anthropic.requests).toHaveLength(4);
    expect(answersIn(h.slack, 'C0SUPPORT', res.ts).map((m) => m.text)).toEqual(['Recovered answer.']);
    expect(apologies('C0SUPPORT', res.ts)).toHaveLength(0);
  });

  it('a lasting outage ends in one short apology in the thread, never silence', async () => {
    h.anthropic.defaultReply = { status: 500 };
    const res = await h.mention({});
    const counts = await settled();
    expect(counts.failed).toBe(1);
    // Waited out until model.giveUpAfterMinutes (3 s in tests), one probe at a time with a doubling pause:
    // a handful of requests, not one per attempt and not a storm.
    expect(h.anthropic.requests.length).toBeGreaterThanOrEqual(2);
    expect(h.anthropic.requests.length).toBeLessThanOrEqual(8);
    expect(answersIn(h.slack, 'C0SUPPORT', res.ts)).toHaveLength(0);
    const sorry = apologies('C0SUPPORT', res.ts);
    expect(sorry).toHaveLength(1);
    expect(sorry[0]!.text).toMatch(/Sorry, I couldn't answer this one/);
    expect(sorry[0]!.text.length).toBeLessThan(200);
  });

  it('a request the API will never accept is not retried, and the user is told', async () => {
    h.anthropic.defaultReply = { status: 400, message: 'prompt is too long' };
    const res = await h.mention({});
    await settled();
    expect(h.anthropic.requests).toHaveLength(1);
    expect(apologies('C0SUPPORT', res.ts)).toHaveLength(1);
  });

  it('a stalled stream is aborted by the watchdog and retried', async () => {
    h.anthropic.enqueue(
      { stallAfterChars: 20, text: 'This stream will hang after twenty characters.' },
      { text: 'Fresh answer.' },
    );
    const started = Date.now();
    const res = await h.mention({});
    await settled();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(h.anthropic.requests).toHaveLength(2);
    expect(answersIn(h.slack, 'C0SUPPORT', res.ts).map((m) => m.text)).toEqual(['Fresh answer.']);
  });

  it('Slack 429 and 5xx on posting are retried without a duplicate answer', async () => {
    h.slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
    h.slack.failNext('chat.postMessage', { status: 503 });
    h.anthropic.enqueue({ text: 'Posted despite Slack hiccups.' });
    const res = await h.mention({});
    const counts = await settled();
    expect(counts.completed).toBe(1);
    expect(answersIn(h.slack, 'C0SUPPORT', res.ts).map((m) => m.text)).toEqual(['Posted despite Slack hiccups.']);
    expect(h.anthropic.requests).toHaveLength(1); // the stored answer was reused, not regenerated
  });
});

describe('prompt caching', () => {
  it('the persona prefix is cached: the second call reads it from cache', async () => {
    const a = await h.mention({});
    await settled(1);
    const b = await h.mention({ text: '<@U0LUNA> another question' });
    await settled(2);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();
    const read = Number(/luna_model_tokens_total\{kind="cache_read"\} (\d+)/.exec(metrics)?.[1]);
    const created = Number(/luna_model_tokens_total\{kind="cache_creation"\} (\d+)/.exec(metrics)?.[1]);
    expect(created).toBeGreaterThan(2048);
    expect(read).toBe(created); // call 2 read the whole prefix that call 1 wrote
    const { system } = h.anthropic.requests[1]!.body as { system: Array<{ cache_control?: unknown }> };
    expect(system[0]!.cache_control).toEqual({ type: 'ephemeral' });
  });
});

describe('HTTP endpoints', () => {
  it('serves healthz, readyz and Prometheus metrics', async () => {
    const base = `http://127.0.0.1:${h.luna.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: 'ok', config: 'ok', personas: 'ok' });
    await h.mention({});
    await settled();
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/luna_jobs\{state="completed"\} 1/);
    expect(text).toMatch(/luna_job_duration_seconds_count\{job="answer",outcome="ok"\} 1/);
    expect(text).toMatch(/luna_ack_latency_seconds_count\{surface="mention"\} 1/);
    expect(text).toMatch(/luna_model_tokens_total\{kind="output"\} [1-9]/);
  });
});
