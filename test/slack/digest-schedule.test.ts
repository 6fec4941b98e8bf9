import { afterEach, describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../src/contracts/jobs.js';
import { FakeAnthropic } from '../fakes/anthropic-server.js';
import { FakeSlack, type SlackMessage } from '../fakes/slack-server.js';
import { fakeDigestModel, isDigestRequest } from '../helpers/digest-model.js';
import { queueIdle, startHarness, testConfig, type Harness } from '../helpers/harness.js';

/**
 * Scheduled digests, driven by the production path: `digests:` in the config → a BullMQ Job Scheduler
 * upserted at start-up → its jobs → the worker. Tests that need ticks use a seconds cron
 * ("*\/1 * * * * *", which the config and BullMQ accept as they accept "* * * * *"), so the scheduler
 * really fires on its own within test time; the one-minute cron is checked as registered.
 */
const FEEDBACK = 'C0FEEDBACK';
const LEADS = 'C0CSLEADS';
const SCHEDULER = `digest-${FEEDBACK}-${LEADS}`;
const config = (schedule: string | undefined) =>
  testConfig({
    ...(schedule ? { digests: [{ channel: FEEDBACK, schedule, timezone: 'Europe/Berlin', postTo: LEADS }] } : {}),
    model: { streamIdleTimeoutSeconds: 2 },
    queue: { attempts: 3 },
  });

let slack: FakeSlack;
let anthropic: FakeAnthropic;
const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0).reverse()) await h.stop();
  await slack?.close();
  await anthropic?.close();
});

async function fakes() {
  slack = await FakeSlack.start();
  anthropic = await FakeAnthropic.start();
  anthropic.defaultReply = fakeDigestModel();
  slack.addChannel({ id: FEEDBACK, name: 'feedback' });
  slack.addChannel({ id: LEADS, name: 'cs-leads' });
}

async function start(schedule: string | undefined, prefix?: string): Promise<Harness> {
  const h = await startHarness({ config: config(schedule), slack, anthropic, ...(prefix ? { prefix } : {}) });
  running.push(h);
  return h;
}

/** First parts of scheduled digests posted to the leads channel. */
function digests(): SlackMessage[] {
  return slack.botMessages(LEADS).filter((m) => {
    const p = m.metadata?.event_payload as { job_id?: string; part?: unknown } | undefined;
    return String(p?.job_id).startsWith(`repeat:${SCHEDULER}:`) && p?.part === 0;
  });
}

/** Digest model requests whose transcript contains `text`. */
function requestsWith(text: string): number {
  return anthropic.requests.filter((r) => isDigestRequest(r.body) && JSON.stringify(r.body.messages).includes(text))
    .length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduled digests', () => {
  it('registers each digests: entry as a Job Scheduler with its cron and time zone, and removes dropped ones', async () => {
    await fakes();
    const h = await start('* * * * *');
    const s = await h.luna.queue.getJobScheduler(SCHEDULER);
    expect(s).toMatchObject({ pattern: '* * * * *', tz: 'Europe/Berlin', name: JOB_NAMES.scheduledDigest });
    expect(s!.next! - Date.now()).toBeLessThanOrEqual(60_000);
    expect(s!.template?.data).toEqual({ schedulerId: SCHEDULER, channel: FEEDBACK, postTo: LEADS });
    // The same prefix restarted without the entry: the schedule is gone.
    const again = await start(undefined, h.prefix);
    expect(await again.luna.queue.getJobScheduler(SCHEDULER)).toBeUndefined();
  });

  it('posts on its own when its cron fires, only what is new, and never the same threads twice', async () => {
    await fakes();
    slack.addMessage(FEEDBACK, { user: 'U0BOB', text: 'before LUNA was configured' });
    await start('*/1 * * * * *');
    const parent = slack.addMessage(FEEDBACK, { user: 'U0BOB', text: 'thread parent: SSO is painful' });
    slack.addMessage(FEEDBACK, { user: 'U0CAROL', text: 'first reply: agreed, weeks of setup', thread_ts: parent });
    slack.addMessage(FEEDBACK, { user: 'U0DAVE', text: 'standalone: support was great' });

    await slack.waitFor(() => digests().length === 1, 10_000, 'the first scheduled digest');
    expect(requestsWith('first reply: agreed')).toBe(1);
    expect(requestsWith('standalone: support was great')).toBe(1);
    expect(requestsWith('before LUNA was configured')).toBe(0);
    const [first] = digests();
    expect(JSON.stringify(first!.blocks)).toContain(`https://fake.slack.test/archives/${FEEDBACK}/p`);

    await sleep(2_500); // at least two more ticks with nothing new
    expect(digests()).toHaveLength(1);

    slack.addMessage(FEEDBACK, { user: 'U0CAROL', text: 'late reply: still not fixed', thread_ts: parent });
    await slack.waitFor(() => digests().length === 2, 10_000, 'the second scheduled digest');
    expect(requestsWith('late reply: still not fixed')).toBe(1);
    // The old parent comes along as context; earlier messages are not digested again.
    expect(requestsWith('first reply: agreed')).toBe(1);
    expect(requestsWith('standalone: support was great')).toBe(1);
    expect(requestsWith('thread parent: SSO is painful')).toBe(2);
  });

  it('reads a busy channel page by page, so no new message is left out', async () => {
    await fakes();
    const h = await start('0 0 1 1 *');
    for (let i = 0; i < 1_100; i++) slack.addMessage(FEEDBACK, { user: `U0C${i % 9}`, text: `busy ${i}: note` });
    await h.luna.queue.add(
      JOB_NAMES.scheduledDigest,
      { schedulerId: SCHEDULER, channel: FEEDBACK, postTo: LEADS },
      { jobId: `repeat:${SCHEDULER}:${Date.now()}` },
    );
    await slack.waitFor(() => digests().length === 1, 10_000, 'a scheduled digest');
    expect(
      slack.callsTo('conversations.history').filter((c) => c.args.channel === FEEDBACK).length,
    ).toBeGreaterThanOrEqual(2);
    const sent = anthropic.requests
      .filter((r) => isDigestRequest(r.body))
      .map((r) => JSON.stringify(r.body.messages))
      .join('\n');
    for (let i = 0; i < 1_100; i++) expect(sent).toContain(`busy ${i}: note`);
  });

  it('two instances on one Redis post one scheduled digest, not two', async () => {
    await fakes();
    const a = await start('*/1 * * * * *');
    await start('*/1 * * * * *', a.prefix);
    slack.addMessage(FEEDBACK, { user: 'U0BOB', text: 'two instances: renewal at risk' });
    await slack.waitFor(() => digests().length === 1, 10_000, 'a scheduled digest');
    await sleep(2_500);
    expect(digests()).toHaveLength(1);
    expect(requestsWith('two instances: renewal at risk')).toBe(1);
  });

  it('overlapping runs of one schedule post one digest, and the watermark keeps the next run from reposting', async () => {
    await fakes();
    const a = await start('0 0 1 1 *'); // fires once a year: the jobs below are the only ticks
    const b = await start('0 0 1 1 *', a.prefix);
    slack.addMessage(FEEDBACK, { user: 'U0BOB', text: 'overlap: onboarding is slow' });
    anthropic.latencyMs = 400;
    // What the scheduler adds on each tick: same name, data and id shape.
    const tick = (at: number) =>
      a.luna.queue.add(
        JOB_NAMES.scheduledDigest,
        { schedulerId: SCHEDULER, channel: FEEDBACK, postTo: LEADS },
        { jobId: `repeat:${SCHEDULER}:${at}` },
      );
    const now = Date.now();
    await Promise.all([
      tick(now),
      b.luna.queue.add(
        JOB_NAMES.scheduledDigest,
        { schedulerId: SCHEDULER, channel: FEEDBACK, postTo: LEADS },
        { jobId: `repeat:${SCHEDULER}:${now + 1}` },
      ),
    ]);
    await slack.waitFor(() => digests().length === 1, 10_000, 'a scheduled digest');
    await queueIdle(a);
    await queueIdle(b);
    await tick(now + 2);
    await queueIdle(a);
    expect(digests()).toHaveLength(1);
    expect(requestsWith('overlap: onboarding is slow')).toBe(1);
  });
});
