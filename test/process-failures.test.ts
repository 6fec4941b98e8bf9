import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from './fakes/anthropic-server.js';
import { FakeSlack } from './fakes/slack-server.js';
import { answersIn, clearPrefix, SIGNING_SECRET, testConfig, testEnv, until } from './helpers/harness.js';
import { descendantsOf, metricSum, scrape, startLunaProcess, type LunaProcess } from './helpers/luna-procs.js';
import { eventEnvelope, signedRequest } from './helpers/slack-sign.js';

/**
 * A failure nothing in LUNA handled, in the real processes `npm start` runs (LUNA_ROLE=all, split: the web half
 * and its worker child). test/helpers/fail-on-signal.mjs is preloaded into both and, on SIGUSR2, rejects a promise
 * nobody awaits or throws from a timer — the two ways a bug escapes every handler.
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

describe('a failure nothing handled', () => {
  it('a rejection is logged and counted and LUNA carries on; an exception restarts the worker half, and ends the web half with status 1 and its worker with it', async () => {
    slack = await FakeSlack.start();
    anthropic = await FakeAnthropic.start();
    anthropic.defaultReply = { text: 'Still here.' };
    prefix = `luna-test-${randomUUID().slice(0, 8)}`;
    slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
    const control = path.join(await mkdtemp(path.join(tmpdir(), 'luna-fail-')), 'kind');
    const preload = pathToFileURL(path.resolve('test/helpers/fail-on-signal.mjs')).href;
    const env = await testEnv({
      slack,
      anthropic,
      prefix,
      config: testConfig(),
      env: {
        LUNA_ROLE: 'all',
        LUNA_WORKER_NICE: '0',
        NODE_OPTIONS: `--import=${preload}`,
        LUNA_TEST_FAILURE_FILE: control,
      },
    });
    const p = await startLunaProcess(env);
    luna = p;
    const base = `http://127.0.0.1:${p.port}`;
    await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'ready with its worker process', 30_000);
    const worker = () => descendantsOf(p.pid).find((pid) => pid !== p.pid);
    const fail = async (pid: number, kind: 'rejection' | 'exception') => {
      await writeFile(control, kind);
      process.kill(pid, 'SIGUSR2');
    };
    const answered = async (text: string) => {
      const ts = slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text });
      const res = await signedRequest(
        `${base}/slack/events`,
        eventEnvelope({ type: 'app_mention', user: 'U0ALICE', text, ts, channel: 'C0SUPPORT' }),
        {
          signingSecret: SIGNING_SECRET,
        },
      );
      expect(res.status).toBe(200);
      await until(() => answersIn(slack, 'C0SUPPORT', ts).length === 1, `an answer to "${text}"`, 20_000);
    };

    // A rejection in the web half: one error line, counted, and the same process goes on acking and answering.
    await fail(p.pid, 'rejection');
    await until(() => p.output().includes('a test rejection nothing handles'), 'the rejection logged');
    expect(p.output()).toMatch(
      /"level":"error","msg":"a failure nothing handled \(an unhandled promise rejection\); LUNA carries on"/,
    );
    expect(metricSum(await scrape(p.port), 'luna_unhandled_errors_total', { kind: 'rejection' })).toBe(1);
    await answered('<@U0LUNA> are you still there?');

    // An exception in the worker half: it exits 1 and its supervisor starts it again; answers resume.
    const first = worker()!;
    await fail(first, 'exception');
    await until(
      () => p.output().includes('the worker process stopped; starting it again'),
      'the supervisor restarting its worker',
      20_000,
    );
    expect(p.output()).toMatch(
      /"msg":"a failure nothing handled \(an uncaught exception\); LUNA exits so it is started again"/,
    );
    expect(p.output()).toMatch(/"msg":"the worker process stopped; starting it again","code":1/);
    await until(() => worker() !== undefined && worker() !== first, 'a new worker process', 20_000);
    await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'ready again', 30_000);
    await answered('<@U0LUNA> and after that?');

    // An exception in the web half: it exits 1 (for Docker, systemd or Kubernetes to start it again), and its
    // worker stops with it instead of running on unsupervised. Neither goes silently.
    const second = worker()!;
    await fail(p.pid, 'exception');
    expect(await p.exited).toBe(1);
    await until(() => !descendantsOf(1).includes(second) && !alive(second), 'the worker process gone too', 20_000);
    expect(p.output()).toMatch(/"signal":"supervisor gone"/);
    luna = undefined;
  }, 120_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
