import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisAnswers } from '../src/infra/local-redis.js';
import { FakeAnthropic } from './fakes/anthropic-server.js';
import { FakeSlack } from './fakes/slack-server.js';
import { startChild, waitForOutput } from './helpers/child.js';
import { freePort } from './helpers/global-redis.js';
import { answersIn, SIGNING_SECRET, testEnv, until } from './helpers/harness.js';
import { onPath } from './helpers/redis-server.js';
import { eventEnvelope, signedRequest } from './helpers/slack-sign.js';

/**
 * `npm start` with no REDIS_URL and nothing at the default address: LUNA runs a Redis of its own in
 * ./.luna/redis. The default address is pointed at a free port with the test-only LUNA_TEST_DEFAULT_REDIS_URL,
 * so the test does not depend on what listens at 127.0.0.1:6379; each LUNA runs in a folder of its own.
 */
function lineOf(output: string, pattern: RegExp): Record<string, unknown> {
  const line = output.split('\n').find((l) => pattern.test(l));
  if (!line) throw new Error(`no line matching ${pattern} in:\n${output}`);
  return JSON.parse(line) as Record<string, unknown>;
}

async function unsetRedisEnv(slack: FakeSlack, anthropic: FakeAnthropic, extra: Record<string, string>) {
  const probe = await freePort();
  return testEnv({
    slack,
    anthropic,
    prefix: 'luna',
    config: 'persona: luna\n',
    env: {
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: '',
      LUNA_TEST_DEFAULT_REDIS_URL: `redis://127.0.0.1:${probe}`,
      LOG_LEVEL: 'info',
      ...extra,
    },
  });
}

describe('the local Redis npm start runs', () => {
  it.skipIf(!onPath('redis-server'))(
    'starts one in ./.luna/redis, stops it with LUNA, and keeps its data for the next start',
    async () => {
      const cwd = mkdtempSync(path.join(tmpdir(), 'luna-cwd-'));
      const [slack, anthropic] = await Promise.all([FakeSlack.start(), FakeAnthropic.start()]);
      slack.addChannel({ id: 'C0SUPPORT' });
      const env = await unsetRedisEnv(slack, anthropic, {});
      const run = async () => {
        const child = startChild(env, 'src/main.ts', { cwd });
        await waitForOutput(child.output, /"msg":"LUNA started"/, 30_000);
        const local = lineOf(child.output(), /local Redis/);
        return { child, local, port: (lineOf(child.output(), /"msg":"LUNA started"/) as { port: number }).port };
      };
      try {
        const first = await run();
        expect(first.local.msg).toMatch(
          /started a local Redis at redis:\/\/127\.0\.0\.1:\d+ \(loopback only, AOF on, data in .*\.luna\/redis\).*single machine/,
        );
        expect(first.local.dir).toBe(path.join(cwd, '.luna', 'redis'));
        expect(existsSync(path.join(cwd, '.luna', 'redis', 'appendonlydir'))).toBe(true);
        const url = first.local.url as string;

        // LUNA really runs on it: a mention is acked and answered.
        const ts = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: '<@U0LUNA> local?' });
        const event = eventEnvelope({
          type: 'app_mention',
          user: 'U0ALICE',
          text: '<@U0LUNA> local?',
          ts,
          channel: 'C0SUPPORT',
        });
        expect(
          (await signedRequest(`http://127.0.0.1:${first.port}/slack/events`, event, { signingSecret: SIGNING_SECRET }))
            .status,
        ).toBe(200);
        await slack.waitFor(() => answersIn(slack, 'C0SUPPORT', ts).length === 1, 15_000, 'the answer');
        const redis = new Redis(url);
        await redis.set('kept-across-starts', 'yes');
        redis.disconnect();

        first.child.proc.kill('SIGTERM');
        expect(await first.child.exited).toBe(0);
        expect(await redisAnswers(url)).toBe(false); // stopped with LUNA

        // Killed hard, LUNA cannot stop its Redis; the next start uses that one rather than a second server on the same files.
        const second = await run();
        expect(second.local.url).toBe(url); // the same port again
        second.child.proc.kill('SIGKILL');
        await second.child.exited;
        expect(await redisAnswers(url)).toBe(true);

        const third = await run();
        expect(third.local.msg).toMatch(/previous LUNA left running/);
        const again = new Redis(third.local.url as string);
        expect(await again.get('kept-across-starts')).toBe('yes');
        again.disconnect();
        third.child.proc.kill('SIGTERM');
        await third.child.exited;
        await until(async () => !(await redisAnswers(url)), 'the adopted Redis stopped with LUNA', 10_000);
      } finally {
        await Promise.all([slack.close(), anthropic.close()]);
      }
    },
    90_000,
  );

  it('without a redis-server binary: one line saying how to get one, and LUNA waits for Redis', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'luna-cwd-'));
    const [slack, anthropic] = await Promise.all([FakeSlack.start(), FakeAnthropic.start()]);
    const env = await unsetRedisEnv(slack, anthropic, { PATH: mkdtempSync(path.join(tmpdir(), 'luna-empty-path-')) });
    const child = startChild(env, 'src/main.ts', { cwd });
    try {
      await waitForOutput(child.output, /"msg":"HTTP server listening"/, 30_000);
      const hint = lineOf(child.output(), /no redis-server is installed/);
      expect(hint.msg).toMatch(/apt-get install redis-server.*brew install redis.*REDIS_URL/);
      const port = (lineOf(child.output(), /"msg":"HTTP server listening"/) as { port: number }).port;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
      expect(existsSync(path.join(cwd, '.luna'))).toBe(false);
    } finally {
      child.proc.kill('SIGTERM');
      await child.exited;
      await Promise.all([slack.close(), anthropic.close()]);
    }
  }, 40_000);
});
