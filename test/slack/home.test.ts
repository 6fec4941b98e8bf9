import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD_WEEKS } from '../../src/domain/dashboard.js';
import { EscalationStore } from '../../src/stores/escalations.js';
import { HOME_DEDUP_MS } from '../../src/contracts/jobs.js';
import { RETENTION_WEEKS, StatsRecorder } from '../../src/stores/stats.js';
import type { SlackCall, SlackMessage } from '../fakes/slack-server.js';
import { fakeDigestModel, isDigestRequest } from '../helpers/digest-model.js';
import {
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  type Harness,
} from '../helpers/harness.js';
import { decodePng, inkShare } from '../helpers/png.js';
import { buttonClickForm, eventEnvelope, signedRequest, type ButtonClick } from '../helpers/slack-sign.js';

const CONFIG = testConfig({
  escalation: { ...TEST_ESCALATION, owners: TEST_ESCALATION.owners.slice(0, 2), acknowledgeWithinMinutes: 30 },
  handles: { sales: 'S0SALES' },
  model: { streamIdleTimeoutSeconds: 2 },
  queue: { attempts: 3 },
});
/** Written into every customer message and model field; it must never reach the Home tab. */
const MARKER = 'ZEBRA-7731-CONFIDENTIAL';
const WEEK = 7 * 86_400_000;

const redis = new Redis(process.env.REDIS_URL!);
let h: Harness;
afterEach(async () => {
  await h?.stop();
});
afterAll(() => redis.disconnect());

/** Answers, assessments (strategic when the thread asks for a discount) and digests, all carrying MARKER. */
function scriptModel() {
  const digest = fakeDigestModel({ csat: 4, actions: 2 });
  h.anthropic.defaultReply = {
    handler: (body: { output_config?: unknown; messages?: unknown }) => {
      if (isDigestRequest(body)) return (digest as { handler: (b: unknown) => { text: string } }).handler(body);
      if (!body.output_config) return { text: `Here is my advice about ${MARKER}.` };
      const strategic = JSON.stringify(body.messages).includes('discount');
      return {
        text: JSON.stringify({
          outOfScope: false,
          strategic,
          area: strategic ? 'Complex customer negotiations' : 'none',
          confidence: 0.9,
          rationale: `Negotiation about ${MARKER}.`,
          customerWants: `${MARKER} wants 30% off.`,
          decisionNeeded: 'Whether to discount.',
          risk: 'Renewal at risk.',
        }),
      };
    },
  };
}

const publishes = (user?: string) =>
  h.slack.callsTo('views.publish').filter((c) => c.response?.ok && (!user || c.args.user_id === user));
const viewOf = (c: SlackCall) => c.args.view as { type: string; blocks: Array<Record<string, unknown>> };
const textOf = (c: SlackCall) => JSON.stringify(c.args.view);

async function openHome(user: string, tab = 'home') {
  const event = {
    type: 'app_home_opened',
    user,
    channel: `D0${user.slice(2)}`,
    tab,
    event_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
  const res = await signedRequest(h.eventsUrl, eventEnvelope(event), { signingSecret: SIGNING_SECRET });
  expect(res.status).toBe(200);
  return res;
}

function click(c: ButtonClick) {
  return signedRequest(h.eventsUrl, buttonClickForm(c), { signingSecret: SIGNING_SECRET });
}

const refresh = (user: string) =>
  click({ user, actionId: 'home_refresh', value: 'refresh', view: { id: 'V0HOME', callbackId: 'luna_home' } });

/** A burst must not straddle two dedup windows. */
async function startOfWindow() {
  const into = Date.now() % HOME_DEDUP_MS;
  if (into > HOME_DEDUP_MS - 2_000) await new Promise((r) => setTimeout(r, HOME_DEDUP_MS - into + 20));
}

/** Earlier weeks, recorded as the jobs record them (the honest seam for time gone by). */
async function recordEarlierWeeks() {
  const s = new StatsRecorder(redis, h.prefix);
  const ago = (weeks: number) => Date.now() - weeks * WEEK;
  await s.observe('csat', 4.6, ago(1));
  await s.observe('csat', 4.8, ago(1));
  await s.observe('csat', 3.9, ago(3));
  await s.incr('escalations_opened', 3, ago(2));
  await s.incr('escalations_acknowledged', 2, ago(2));
  await s.observe('minutes_to_acknowledge', 20, ago(2));
  await s.observe('minutes_to_acknowledge', 45, ago(2));
  await s.incr('conversations_handled', 10, ago(4));
  await s.incr('action_items_created', 6, ago(2));
  await s.incr('action_items_done', 4, ago(2));
  await s.incr('escalations_opened', 9, ago(DASHBOARD_WEEKS)); // outside the window: never counted
}

/** This week, through the real surfaces: mentions, an escalation and its acknowledgement, a digest and a Done click. */
async function scriptThisWeek() {
  scriptModel();
  for (const text of [
    `how do we onboard ${MARKER}?`,
    `which KPIs for ${MARKER}?`,
    `${MARKER} wants a 30% discount`,
    `Globex wants a discount too, ${MARKER}`,
  ]) {
    await h.mention({ text: `<@U0LUNA> ${text}` });
    await queueIdle(h);
  }
  const post = h.slack.botMessages('C0ESC').find((m) => m.metadata?.event_type === 'luna_escalation')!;
  const id = (post.metadata!.event_payload as { escalation_id: string }).escalation_id;
  await click({
    user: 'U0456EFGH',
    actionId: 'escalation_acknowledge',
    value: id,
    message: { channel: 'C0ESC', ts: post.ts },
  });
  await queueIdle(h);

  const parent = h.slack.addMessage('C0FEEDBACK', { user: 'U0BOB', text: `${MARKER}: onboarding is slow` });
  for (let i = 1; i <= 4; i++)
    h.slack.addMessage('C0FEEDBACK', { user: 'U0CAROL', text: `${MARKER} note ${i} about SSO`, thread_ts: parent });
  await h.mention({ channel: 'C0FEEDBACK', threadTs: parent, text: '<@U0LUNA> digest' });
  await h.slack.waitFor(() => digestPost(parent) !== undefined, 15_000, 'a digest');
  await queueIdle(h);
  const digest = digestPost(parent)!;
  const done = (digest.blocks as Array<{ block_id?: string; accessory?: { value: string } }>).find(
    (b) => b.block_id === 'action-0',
  )!.accessory!;
  await click({
    user: 'U0CAROL',
    actionId: 'digest_action_done',
    value: done.value,
    message: { channel: 'C0FEEDBACK', ts: digest.ts, body: digest },
  });
  await queueIdle(h);

  // Time is the one thing the flows cannot fast-forward: an escalation whose deadline has passed.
  await new EscalationStore(redis, h.prefix).create(
    {
      id: 'C0OLD-1.1-x',
      area: 'Complex customer negotiations',
      channel: 'C0OLD',
      threadTs: '1.1',
      escalationChannel: 'C0ESC',
      status: 'open',
      createdAt: Date.now() - 3_600_000,
      owners: [],
      request: {},
    },
    Date.now() - 1_800_000,
  );
}

const digestPost = (parent: string): SlackMessage | undefined =>
  h.slack
    .botMessages('C0FEEDBACK', parent)
    .find((m) => String((m.metadata?.event_payload as { job_id?: string })?.job_id).startsWith('digest-'));

async function start() {
  h = await startHarness({ config: CONFIG });
  for (const [id, name] of [
    ['C0ESC', 'escalations'],
    ['C0SUPPORT', 'support'],
    ['C0FEEDBACK', 'feedback'],
  ] as const)
    h.slack.addChannel({ id, name });
  // The workspace's own people: Home asks Slack who opens it (users.info) before it shows team figures.
  for (const id of ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE']) h.slack.addUser({ id, name: id.slice(2).toLowerCase() });
}

describe('App Home dashboard', () => {
  it('after a scripted week, opening Home publishes the recorded figures and the chart, and never a word of the conversations', async () => {
    await start();
    await recordEarlierWeeks();
    await scriptThisWeek();

    const ack = await openHome('U0ALICE');
    await h.slack.waitFor(() => publishes('U0ALICE').length === 1, 10_000, 'a Home publish');
    await queueIdle(h);
    const call = publishes('U0ALICE')[0]!;
    const view = viewOf(call);
    const text = textOf(call);
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(ack.ms).toBeLessThan(1_000);

    // CSAT: digests 4 (this week), 4.6 and 4.8, 3.9 → 4.3 against > 4.5/5, from 4 digests.
    expect(text).toMatch(/Customer satisfaction \(CSAT\)\*\s—\s\*4\.3\/5\*\s·\starget > 4\.5\/5\s·\s0\.2 below target/);
    expect(text).toContain('Estimated by LUNA from 4 digests in the last 8 weeks — too few to conclude');
    // Feedback integration: 1 + 4 done of 2 + 6 created → 63% against > 80%.
    expect(text).toMatch(/Feedback integration rate\*\s—\s\*63%\*\s·\starget > 80%\s·\s17 points below target/);
    expect(text).toContain('5 of 8 digest action items marked Done');
    for (const kpi of [
      'Customer retention rate',
      'Customer success milestones reached on time',
      'Journey conversion',
    ]) {
      expect(text).toContain(`*${kpi}* — not measured by LUNA · target`);
    }
    // Escalations: 2 open (1 overdue), 3 of 5 acknowledged, median of (seconds, 20, 45) minutes.
    expect(text).toContain('*Open now*\\n2');
    expect(text).toContain('*Overdue*\\n1');
    expect(text).toContain('*Acknowledged*\\n3 of 5 opened');
    expect(text).toContain('*Median time to acknowledge*\\n20 min');
    // Handled: 2 routine answers this week + 10 earlier, vs 5 escalations → 71% / 29%.
    expect(text).toContain('LUNA handled *71%* (12 conversations) · escalated to humans *29%* (5)');
    expect(text).toContain('*Answers*\\n4');
    expect(text).toContain('*Feedback digests*\\n1');
    expect(text).toContain('*Escalations opened*\\n2');

    // The chart: a private upload (shared nowhere), shown through slack_file.
    const image = view.blocks.find((b) => b.type === 'image') as { slack_file: { id: string }; alt_text: string };
    const upload = h.slack.uploads.get(image.slack_file.id)!;
    expect(upload).toMatchObject({ completed: true });
    expect(upload.channel).toBeUndefined();
    const png = decodePng(upload.bytes);
    expect([png.width, png.height]).toEqual([1600, 900]);
    expect(inkShare(png)).toBeGreaterThan(0.05);
    expect(image.alt_text).toContain('this week: CSAT 4.0, 2 escalations');

    // Aggregates only: nothing from any thread, model output or escalation reaches the view.
    expect(text).not.toContain(MARKER);
    expect(text).not.toMatch(/Globex|onboarding is slow|wants 30% off|Whether to discount/);
    expect(upload.altText ?? '').not.toContain(MARKER);

    // Counters expire as designed: every stats bucket and the chart's file id carry a bounded TTL.
    expect(RETENTION_WEEKS).toBeGreaterThanOrEqual(DASHBOARD_WEEKS);
    const keys = [
      ...(await redis.keys(`${h.prefix}:state:stats:*`)),
      ...(await redis.keys(`${h.prefix}:state:home:*`)),
    ];
    expect(keys.some((k) => k.includes(':home:chart:'))).toBe(true);
    for (const k of keys) {
      const ttl = await redis.ttl(k);
      expect(ttl, k).toBeGreaterThan(0);
      expect(ttl, k).toBeLessThanOrEqual(k.includes(':stats:') ? RETENTION_WEEKS * 7 * 86_400 : 21 * 86_400);
    }
  });

  it('unchanged figures cost one Slack call; a burst of opens is one publish; Refresh re-publishes; new figures upload a new chart', async () => {
    await start();
    await recordEarlierWeeks();
    await openHome('U0ALICE');
    await h.slack.waitFor(() => publishes('U0ALICE').length === 1, 10_000, 'the first publish');
    await queueIdle(h);
    const firstChart = JSON.stringify(viewOf(publishes('U0ALICE')[0]!).blocks.find((b) => b.type === 'image'));

    h.slack.reset();
    await startOfWindow();
    await Promise.all([openHome('U0BOB'), openHome('U0BOB'), openHome('U0BOB'), openHome('U0BOB')]);
    h.slack.addChannel({ id: 'D0DAVE', is_im: true, user: 'U0DAVE' });
    await openHome('U0DAVE', 'messages'); // the Messages tab has no dashboard
    await h.slack.waitFor(() => publishes('U0BOB').length === 1, 10_000, "Bob's publish");
    await queueIdle(h);
    // Bob's first open also asks Slack who he is (one users.info, then cached for hours) before any figure is read.
    const bobs = (c: SlackCall) => c.args.user === 'U0BOB' || c.args.user_id === 'U0BOB';
    expect(h.slack.calls.filter(bobs).map((c) => c.method)).toEqual(['users.info', 'views.publish']);
    // Dave opened the Messages tab: no dashboard, only the suggested prompts for the DM.
    expect(h.slack.calls.filter((c) => !bobs(c)).map((c) => c.method)).toEqual([
      'users.info',
      'assistant.threads.setSuggestedPrompts',
    ]);
    expect(JSON.stringify(viewOf(publishes('U0BOB')[0]!).blocks.find((b) => b.type === 'image'))).toBe(firstChart);

    h.slack.reset();
    const r = await refresh('U0ALICE');
    expect(r.status).toBe(200);
    await h.slack.waitFor(() => publishes('U0ALICE').length === 1, 10_000, 'the refreshed publish');
    await queueIdle(h);
    // Someone LUNA already knows, with unchanged figures: one Slack call.
    expect(h.slack.calls.map((c) => c.method)).toEqual(['views.publish']);

    await new StatsRecorder(redis, h.prefix).incr('escalations_opened');
    h.slack.reset();
    await openHome('U0CAROL');
    await h.slack.waitFor(() => publishes('U0CAROL').length === 1, 10_000, "Carol's publish");
    expect(h.slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    const carol = viewOf(publishes('U0CAROL')[0]!);
    expect(JSON.stringify(carol.blocks.find((b) => b.type === 'image'))).not.toBe(firstChart);
    expect(JSON.stringify(carol)).toContain('*Escalations opened*\\n1');
    expect(publishes('U0DAVE')).toHaveLength(0);
  });

  it('a chart Slack is not ready to show: the figures go out at once, the chart follows', async () => {
    await start();
    await new StatsRecorder(redis, h.prefix).incr('escalations_opened', 2);
    h.slack.failNext('views.publish', { error: 'invalid_arguments' });
    await openHome('U0ALICE');
    await h.slack.waitFor(() => publishes('U0ALICE').length === 2, 10_000, 'the figures, then the chart');
    const [first, second] = publishes('U0ALICE').map(viewOf);
    expect(first!.blocks.some((b) => b.type === 'image')).toBe(false);
    expect(JSON.stringify(first)).toContain('The trend chart is still being prepared');
    expect(second!.blocks.some((b) => b.type === 'image')).toBe(true);
    expect(h.slack.callsTo('files.getUploadURLExternal')).toHaveLength(1); // the retry reused the upload
  });

  it('when publishing keeps failing, the last word is a short note with Refresh, not a blank tab', async () => {
    await start();
    h.slack.failNext('views.publish', { error: 'internal_error', times: 3 });
    await openHome('U0ALICE');
    await h.slack.waitFor(() => publishes('U0ALICE').length === 1, 10_000, 'the fallback view');
    const text = textOf(publishes('U0ALICE')[0]!);
    expect(text).toContain("I couldn't load the dashboard just now");
    expect(text).toContain('home_refresh');
  });
});
