import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { answerJobId } from '../../src/contracts/jobs.js';
import { startHarness, testConfig, until, type Harness } from '../helpers/harness.js';

/**
 * A job that can never succeed — Slack says its thread or channel does not exist, or refuses its arguments —
 * ends at once: no retries, one warning, no error-level noise, and no apology into a thread that is not there.
 * The fake Slack answers these the way Slack does: HTTP 200 with `{"ok": false, "error": "…"}`.
 */
let h: Harness | undefined;
let lines: Array<Record<string, unknown>> = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(): Promise<Harness> {
  lines = [];
  const sink = (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>);
  h = await startHarness({
    log: createLogger('warn', {}, { out: sink, err: sink }),
    config: testConfig({ model: { stream: false } }),
  });
  h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
  return h;
}

const failedJob = async (x: Harness, id: string) => {
  await until(async () => (await x.luna.queue.getJobState(id)) === 'failed', `job ${id} failed`);
  return (await x.luna.queue.getJob(id))!;
};

describe('a job that can never succeed', () => {
  it('a thread Slack says does not exist: one attempt, one warning, no apology, no error line', async () => {
    const x = await start();
    x.slack.failNext('conversations.replies', { error: 'thread_not_found', times: 20 });
    const { ts, status } = await x.mention({ text: '<@U0LUNA> what about this deleted thread?' });
    expect(status).toBe(200);
    const job = await failedJob(x, answerJobId({ channel: 'C0SUPPORT', messageTs: ts }));
    expect(job.attemptsMade).toBe(1);
    expect(x.slack.callsTo('conversations.replies').every((c) => c.response?.error === 'thread_not_found')).toBe(true);
    expect(x.slack.callsTo('chat.postMessage')).toEqual([]); // no apology into a thread that is not there
    expect(x.anthropic.requests).toEqual([]);
    const warnings = lines.filter((l) => l.msg === 'job can never succeed; it ends now');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', slackError: 'thread_not_found', told: false });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('arguments Slack refuses (invalid_arguments): no retry of the same call; the thread that exists hears why', async () => {
    const x = await start();
    x.anthropic.enqueue({ text: 'An answer Slack will refuse once.' });
    x.slack.failNext('chat.postMessage', { error: 'invalid_arguments' });
    const { ts } = await x.mention({ text: '<@U0LUNA> hello?' });
    const job = await failedJob(x, answerJobId({ channel: 'C0SUPPORT', messageTs: ts }));
    expect(job.attemptsMade).toBe(1);
    expect(x.anthropic.requests).toHaveLength(1); // not asked again
    const posts = x.slack.callsTo('chat.postMessage');
    expect(posts.map((c) => c.response?.ok)).toEqual([false, true]);
    expect(String(posts[1]!.args.text)).toMatch(/Sorry, I couldn't answer this one/);
    expect(lines.filter((l) => l.msg === 'job can never succeed; it ends now')).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
