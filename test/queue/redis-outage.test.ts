import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { startChild, waitForOutput } from '../helpers/child.js';
import { freePort } from '../helpers/global-redis.js';
import { answersIn, SIGNING_SECRET, startHarness, testConfig, testEnv, UNLIMITED, until } from '../helpers/harness.js';
import { onPath, startRedisServer } from '../helpers/redis-server.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';

/** What an operator and Slack see when Redis is not there yet, or goes away for a moment. */
const ownServers = onPath('redis-server');

describe('starting without Redis', () => {
  it.skipIf(!ownServers)(
    'serves health at once, says which Redis it waits for, logs JSON only, answers once Redis is up, and rides out a later outage',
    async () => {
      const port = await freePort();
      const password = 's3cret-pw';
      const [slack, anthropic] = await Promise.all([FakeSlack.start(), FakeAnthropic.start()]);
      slack.addChannel({ id: 'C0SUPPORT' });
      const env = await testEnv({
        slack,
        anthropic,
        prefix: 'luna',
        config: 'persona: luna\n',
        env: { REDIS_URL: `redis://:${password}@127.0.0.1:${port}`, LOG_LEVEL: 'info' },
      });
      const child = startChild(env);
      let server: Awaited<ReturnType<typeof startRedisServer>> | undefined;
      try {
        await waitForOutput(child.output, /"msg":"HTTP server listening"/, 30_000);
        const listening = child
          .output()
          .split('\n')
          .find((l) => l.includes('"HTTP server listening"'))!;
        const base = `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;

        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        const waiting = await fetch(`${base}/readyz`);
        expect(waiting.status).toBe(503);
        const body = (await waiting.json()) as Record<string, string>;
        expect(body.redis).toContain(`127.0.0.1:${port}`);
        expect(JSON.stringify(body)).not.toContain(password);

        // A mention while Redis is away gets an error (Slack delivers it again later), not a hang.
        const early = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: '<@U0LUNA> anyone there?' });
        const refused = await signedRequest(
          `${base}/slack/events`,
          eventEnvelope({
            type: 'app_mention',
            user: 'U0ALICE',
            text: '<@U0LUNA> anyone there?',
            ts: early,
            channel: 'C0SUPPORT',
          }),
          { signingSecret: SIGNING_SECRET },
        );
        expect(refused.status).toBeGreaterThanOrEqual(500);
        expect(refused.ms).toBeLessThan(3_000);

        server = await startRedisServer((p) => ['--port', String(p), '--requirepass', password], { port });
        await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'ready once Redis answers', 20_000);

        const ts = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: '<@U0LUNA> and now?' });
        const res = await signedRequest(
          `${base}/slack/events`,
          eventEnvelope({ type: 'app_mention', user: 'U0ALICE', text: '<@U0LUNA> and now?', ts, channel: 'C0SUPPORT' }),
          {
            signingSecret: SIGNING_SECRET,
          },
        );
        expect(res.status).toBe(200);
        await slack.waitFor(
          () => answersIn(slack, 'C0SUPPORT', ts).length === 1,
          15_000,
          'the answer once Redis is up',
        );

        // Gone again for a few seconds while LUNA runs (and back empty: this Redis keeps nothing on disk).
        await server.kill();
        await until(async () => (await fetch(`${base}/readyz`)).status === 503, 'unready while Redis is gone', 5_000);
        const gone = (await (await fetch(`${base}/readyz`)).json()) as Record<string, string>;
        expect(gone.redis).toContain(`unreachable at 127.0.0.1:${port}`);
        await new Promise((r) => setTimeout(r, 2_500));
        await server.restart();
        await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'ready again', 20_000);
        await waitForOutput(child.output, /lost LUNA's data/, 15_000);
        expect(child.output()).toMatch(/lost the connection to Redis at 127\.0\.0\.1:\d+/);
        expect(child.output()).toMatch(/is reachable again/);

        // Operators read JSON lines: no raw stack, no "[ioredis] Unhandled error event", no password.
        const errLines = child.errors().split('\n').filter(Boolean);
        for (const line of errLines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
        expect(child.output()).not.toContain(password);
        // Rate-limited: one line when waiting began (and one per 10 s after), not one per reconnect attempt.
        expect(
          errLines.filter((l) => /Redis/.test(l) && /waiting for|still unreachable|lost the connection/.test(l)).length,
        ).toBeLessThanOrEqual(4);
        expect(child.output()).not.toMatch(/local Redis/); // an explicit REDIS_URL never starts one
      } finally {
        child.proc.kill('SIGTERM');
        await child.exited;
        await Promise.all([server?.stop(), slack.close(), anthropic.close()]);
      }
    },
    // Its own waits add up to over 100 s; a loaded run took 55 s. The waits, not the test's clock, should fail it.
    120_000,
  );
});

describe('a Redis blip', () => {
  it.skipIf(!ownServers)(
    'Redis killed and restarted within a second: every mention gets its 200, and each is answered exactly once',
    async () => {
      const server = await startRedisServer((p) => [
        '--port',
        String(p),
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
      ]);
      const h = await startHarness({
        // Not about limits: one person sends a mention every 40 ms (UNLIMITED).
        config: testConfig({ limits: UNLIMITED }),
        env: { REDIS_URL: `redis://127.0.0.1:${server.port}` },
        log: createLogger('error', {}, { out: () => {}, err: () => {} }),
      });
      const sent: Array<{ ts: string; status: number; ms: number; at: number }> = [];
      let blip = { from: 0, to: 0 };
      try {
        const started = Date.now();
        // A mention every 40 ms, each its own request, as Slack sends them: some land while Redis is down.
        const inFlight: Array<Promise<void>> = [];
        const sending = (async () => {
          for (let i = 0; Date.now() - started < 3_500; i++) {
            const at = Date.now();
            inFlight.push(
              h
                .mention({ text: `<@U0LUNA> question ${i}` })
                .then((r) => void sent.push({ ts: r.ts, status: r.status, ms: r.ms, at })),
            );
            await new Promise((res) => setTimeout(res, 40));
          }
          await Promise.all(inFlight);
        })();
        await new Promise((r) => setTimeout(r, 1_000));
        blip.from = Date.now();
        await server.kill();
        await new Promise((r) => setTimeout(r, 800));
        await server.restart();
        blip = { ...blip, to: Date.now() };
        await sending;

        const acked = sent.filter((s) => s.status === 200);
        const during = sent.filter((s) => s.at >= blip.from - 50 && s.at <= blip.to);
        await until(
          () => acked.every((s) => answersIn(h.slack, 'C0SUPPORT', s.ts).length >= 1),
          'every acked mention answered',
          30_000,
        );
        await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up, if there were one
        const counts = acked.map((s) => answersIn(h.slack, 'C0SUPPORT', s.ts).length);
        console.log(
          `blip of ${blip.to - blip.from} ms: ${sent.length} mentions sent, ${during.length} during the blip, ${acked.length} acked (200), ` +
            `${sent.length - acked.length} refused; slowest ack ${Math.round(Math.max(...sent.map((s) => s.ms)))} ms; answers per acked mention: ${[...new Set(counts)].join(',')}`,
        );
        expect(during.length).toBeGreaterThan(3);
        expect(sent.every((s) => s.status === 200)).toBe(true);
        expect(counts.every((n) => n === 1)).toBe(true);
      } finally {
        await h.stop();
        await server.stop();
      }
    },
    60_000,
  );
});
