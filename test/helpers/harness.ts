import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { loadSettings, type Settings } from '../../src/config/load.js';
import type { JobName } from '../../src/contracts/jobs.js';
import { startLunaReady, type Luna, type LunaOptions } from '../../src/luna.js';
import { createLogger, type Logger } from '../../src/infra/log.js';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { eventEnvelope, signedRequest } from './slack-sign.js';

export const SIGNING_SECRET = 'test-signing-secret';

/** The escalation section of PRODUCT.md's example config: every human-handled area of LUNA's persona. */
export const TEST_ESCALATION = {
  channel: 'C0ESC',
  owners: [
    { area: 'Strategic customer relationship decisions', notify: ['U0123ABCD'] },
    { area: 'Complex customer negotiations', notify: ['U0456EFGH'] },
    { area: 'High-touch customer success initiatives', notify: ['U0789IJKL'] },
    { area: 'Executive customer relationships', notify: ['S0EXECTEAM'] },
  ],
  fallback: ['U0CSLEAD'],
};

/**
 * `limits:` for tests that send many mentions from one person and are about something else (throughput, outages,
 * exactly-once): PRODUCT.md's 6 a minute would turn most of them away. test/slack/limits.test.ts tests the limits.
 */
export const UNLIMITED = { mentionsPerPersonPerMinute: 10_000, mentionsPerPersonPerDay: 10_000 };

type ConfigObject = { [key: string]: unknown };

/**
 * luna.config.yml for a test: fast timings (so retries, stalls and shutdowns happen in test time) merged
 * with the test's own sections. Everything else is production code reading a real YAML file.
 */
export function testConfig(overrides: ConfigObject = {}): string {
  const base: ConfigObject = {
    persona: 'luna',
    // An AI-service outage is probed every 0.1 s (doubling) and given up after 3 s, so outages play out in test time.
    // A stream idle for 2 s is stalled: short enough for test time, long enough that a busy CI machine's pauses are not
    // taken for a stall (tests about the watchdog set their own, shorter, value).
    model: { streamIdleTimeoutSeconds: 2, outageProbeSeconds: 0.1, giveUpAfterMinutes: 0.05 },
    queue: { attempts: 4, backoffSeconds: 0.05, lockSeconds: 2, shutdownGraceSeconds: 1 },
  };
  return stringify(merge(base, overrides));
}

function merge(a: ConfigObject, b: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const bothObjects = [prev, v].every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
    out[k] = bothObjects ? merge(prev as ConfigObject, v as ConfigObject) : v;
  }
  return out;
}

export const TEST_CONFIG = testConfig();

export interface Harness {
  slack: FakeSlack;
  anthropic: FakeAnthropic;
  luna: Luna;
  settings: Settings;
  prefix: string;
  eventsUrl: string;
  /** Sends a signed `app_mention` event like Slack does; returns the HTTP outcome. */
  mention(opts: MentionOpts): Promise<{ status: number; body: string; ms: number; ts: string }>;
  stop(): Promise<void>;
}

export interface MentionOpts {
  channel?: string;
  text?: string;
  user?: string;
  threadTs?: string;
  ts?: string;
  eventId?: string;
  retryNum?: number;
}

export interface HarnessOptions {
  config?: string;
  env?: Record<string, string>;
  /** Reuse fakes across several LUNA processes (restart tests). */
  slack?: FakeSlack;
  anthropic?: FakeAnthropic;
  prefix?: string;
  log?: Logger;
  /** More of startLunaReady's options (e.g. a shorter Redis check interval). */
  luna?: Pick<LunaOptions, 'redisCheckIntervalMs'>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const slack = opts.slack ?? (await FakeSlack.start());
  const anthropic = opts.anthropic ?? (await FakeAnthropic.start());
  const prefix = opts.prefix ?? `luna-test-${randomUUID().slice(0, 8)}`;
  const env = await testEnv({ slack, anthropic, prefix, config: opts.config ?? TEST_CONFIG, env: opts.env });
  const settings = await loadSettings(env);
  const luna = await startLunaReady(settings, {
    log: opts.log ?? createLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error'),
    slackClientOptions: { retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 50 } },
    ...opts.luna,
  });
  const eventsUrl = `http://127.0.0.1:${luna.port}/slack/events`;
  const ownsFakes = !opts.slack;

  return {
    slack,
    anthropic,
    luna,
    settings,
    prefix,
    eventsUrl,
    async mention(m) {
      const channel = m.channel ?? 'C0SUPPORT';
      if (!slack.hasChannel(channel)) slack.addChannel({ id: channel, name: 'support' });
      const ts =
        m.ts ??
        slack.addMessage(channel, {
          user: m.user ?? 'U0ALICE',
          text: m.text ?? '<@U0LUNA> hello',
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        });
      const event = {
        type: 'app_mention',
        user: m.user ?? 'U0ALICE',
        text: m.text ?? '<@U0LUNA> hello',
        ts,
        channel,
        event_ts: ts,
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      };
      const res = await signedRequest(eventsUrl, eventEnvelope(event, m.eventId ? { eventId: m.eventId } : {}), {
        signingSecret: SIGNING_SECRET,
        ...(m.retryNum !== undefined ? { retryNum: m.retryNum, retryReason: 'http_timeout' } : {}),
      });
      return { ...res, ts };
    },
    async stop() {
      await luna.stop();
      await clearPrefix(prefix);
      if (ownsFakes) {
        await slack.close();
        await anthropic.close();
      }
    },
  };
}

export async function testEnv(o: {
  slack: Pick<FakeSlack, 'url'>;
  anthropic: Pick<FakeAnthropic, 'url'>;
  prefix: string;
  config: string;
  env?: Record<string, string> | undefined;
}): Promise<Record<string, string>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'luna-'));
  await writeFile(path.join(dir, 'luna.config.yml'), o.config);
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.slack.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: o.anthropic.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    PORT: '0',
    LUNA_CONFIG: path.join(dir, 'luna.config.yml'),
    LUNA_PERSONAS_DIR: path.resolve('personas'),
    LUNA_REDIS_PREFIX: o.prefix,
    LOG_LEVEL: 'error',
    ...o.env,
  };
}

/** Each test owns a fresh key prefix and removes every key under it afterwards. */
export async function clearPrefix(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Polls until `pred` holds, or fails naming what it waited for. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `n` jobs have finished (completed or failed) and returns the queue's counts. */
export async function jobsFinished(h: Harness, n = 1, timeoutMs = 20_000) {
  let counts: Record<string, number> = {};
  await until(
    async () => {
      counts = await h.luna.queue.getJobCounts('completed', 'failed');
      return (counts.completed ?? 0) + (counts.failed ?? 0) >= n;
    },
    `${n} finished jobs`,
    timeoutMs,
  );
  return counts;
}

export interface IdleOptions {
  timeoutMs?: number;
  /** How many jobs the test expects to have failed for good (after their last attempt) once the queue is idle. @defaultValue 0 */
  failed?: number;
}

/**
 * Waits until nothing is waiting, running or coming back: no job waiting or active, and no delayed job that
 * ran before (a retry after a failure, or a job put back to wait for its thread's turn). Timers not yet due
 * (escalation follow-ups, signal windows, digest schedules) may remain: they have never run. Then exactly
 * `failed` jobs (none unless the test says) have failed for good; one more fails this at once, naming it.
 */
export async function queueIdle(h: Harness, o: IdleOptions = {}): Promise<void> {
  const expected = o.failed ?? 0;
  const failedJobs = async (found: number) => {
    const which = (await h.luna.queue.getFailed()).map((j) => `${j.name} ${j.id}: ${j.failedReason}`);
    return new Error(
      `expected ${expected} job(s) to have failed, found ${found}${which.length ? `: ${which.join('; ')}` : ''}`,
    );
  };
  const counts = () => h.luna.queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'failed');
  await until(
    async () => {
      const c = await counts();
      if ((c.failed ?? 0) > expected) throw await failedJobs(c.failed ?? 0);
      if ((c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) > 0) return false;
      if (!c.delayed) return true;
      const delayed = await h.luna.queue.getDelayed();
      // A retry can leave 'delayed' between the two reads: only an unchanged queue counts.
      if (JSON.stringify(await counts()) !== JSON.stringify(c)) return false;
      return delayed.every((j) => j.attemptsStarted === 0);
    },
    'an idle queue (nothing waiting, running or about to run again)',
    o.timeoutMs ?? 15_000,
  );
  const failed = await h.luna.queue.getJobCountByTypes('failed');
  if (failed !== expected) throw await failedJobs(failed);
}

/** What each completed job of `name` returned (its handler's outcome: what it did, or why it did nothing), oldest first. */
export async function outcomes(h: Harness, name: JobName): Promise<unknown[]> {
  const done = (await h.luna.queue.getCompleted()).filter((j) => j.name === name);
  return done.sort((a, b) => (a.finishedOn ?? 0) - (b.finishedOn ?? 0)).map((j) => j.returnvalue as unknown);
}

/**
 * Bot answers (not apologies) in a thread, as a reader sees them once written: a stream still being written is
 * not an answer yet (a stream left unfinished would show in `slack.isStreaming`, which exactly-once tests check).
 */
export function answersIn(slack: FakeSlack, channel: string, threadTs: string) {
  return slack
    .botMessages(channel, threadTs)
    .filter(
      (m) =>
        (m.metadata?.event_payload as { part?: unknown } | undefined)?.part !== 'apology' &&
        !slack.isStreaming(channel, m.ts),
    );
}
