import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SignalStore, utcDay } from '../../src/stores/signals.js';
import { writeAccountBook } from '../helpers/account-book.js';
import {
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  until,
  type Harness,
} from '../helpers/harness.js';
import { fakeSignalModel, isSignalRequest } from '../helpers/signal-model.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';
import { addAcmeShared, CSM, CUSTOMER, SHARED } from '../helpers/acme.js';

/**
 * Signals over the wire: customers' messages in a Slack Connect channel arrive as `message.channels` events,
 * are batched per account (BullMQ delayed jobs) and classified by one structured call; the account owner
 * gets one private alert, a strategic churn risk escalates, advocacy reaches @marketing. The customer sees
 * nothing, and the daily token budget stops classification when spent.
 */
const OWNER = CSM;
const CUSTOMER2 = 'U0ACMEEVE';
const MARKETER = 'U0MKT';

const redis = new Redis(process.env.REDIS_URL!);
let h: Harness;
afterEach(async () => {
  await h?.stop();
});
afterAll(() => redis.disconnect());

async function start(signals: Record<string, unknown>) {
  const book = await writeAccountBook([
    { name: 'Acme Corp', slack_channels: SHARED, slack_team_id: 'T0ACME', owner: OWNER, plan: 'Enterprise' },
  ]);
  h = await startHarness({
    config: testConfig({
      escalation: TEST_ESCALATION,
      handles: { sales: 'S0SALES', marketing: 'S0MARKETING' },
      signals: { channels: 'all', ...signals },
      model: { streamIdleTimeoutSeconds: 2 },
    }),
    env: { LUNA_ACCOUNTS: book },
  });
  h.slack.addChannel({ id: 'C0ESC', name: 'cs-escalations' });
  h.slack.addUser({ id: OWNER, name: 'casey' });
  h.slack.addUser({ id: MARKETER, name: 'mo' });
  h.slack.setUsergroup({ id: 'S0MARKETING', handle: 'marketing', users: [MARKETER] });
  addAcmeShared(h.slack, {
    members: [OWNER],
    customers: [
      { id: CUSTOMER, name: 'dana' },
      { id: CUSTOMER2, name: 'eve' },
    ],
  });
  h.anthropic.defaultReply = fakeSignalModel({ area: 'Strategic customer relationship decisions' });
}

/** Someone posts in a channel, without mentioning LUNA: the `message` event Slack sends for it. */
async function say(user: string, text: string, opts: { channel?: string; threadTs?: string } = {}) {
  const channel = opts.channel ?? SHARED;
  const event = h.slack.userEvent({
    type: 'message',
    user,
    channel,
    text,
    ...(opts.threadTs ? { threadTs: opts.threadTs } : {}),
  });
  const res = await signedRequest(h.eventsUrl, eventEnvelope(event, { isExtSharedChannel: channel !== 'C0INTERNAL' }), {
    signingSecret: SIGNING_SECRET,
  });
  expect(res.status).toBe(200);
  return event.ts;
}

const signalCalls = () => h.anthropic.requests.filter((r) => isSignalRequest(r.body));
const alerts = (user: string) =>
  h.slack.dmsTo(user).filter((m) => (m.metadata?.event_payload as { part?: string } | undefined)?.part === 'alert');
const dmText = (m: { text?: string; blocks?: unknown }) => `${m.text ?? ''} ${JSON.stringify(m.blocks ?? [])}`;
const metrics = async () => (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();

describe('signals in customers’ messages', () => {
  it('churn language from the customer: one private alert to the owner after the batch window, the escalation, nothing in the channel', async () => {
    await start({ batchMinutes: 0.04, batchMessages: 50 });
    const started = Date.now();
    const root = await say(CUSTOMER, 'Honestly we are looking at other vendors before the renewal.');
    await say(OWNER, 'Dana, let me set up a call about this.', { threadTs: root }); // our own people are no signal
    await say(CUSTOMER2, 'Agreed, we may not renew if SSO keeps failing.', { threadTs: root });
    await say(CUSTOMER, 'Unrelated: where do I find the invoice?');
    await queueIdle(h);
    expect(signalCalls()).toHaveLength(0); // still inside the window

    await until(() => alerts(OWNER).length === 1, 'the owner’s alert', 15_000);
    await queueIdle(h);
    const calls = signalCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.at - started).toBeGreaterThanOrEqual(0.04 * 60_000 - 200);
    expect(calls[0]!.body.model).toBe('claude-haiku-5-5');
    const transcript = JSON.stringify(calls[0]!.body.messages);
    expect(transcript).toContain('looking at other vendors');
    expect(transcript).toContain('<@U0ACMEEVE> (Acme Corp) · in a thread');
    expect(transcript).not.toContain('let me set up a call');

    const alert = dmText(alerts(OWNER)[0]!);
    expect(alert).toMatch(/Acme Corp/);
    expect(alert).toMatch(/Churn risk\* · 90% confident/);
    expect(alert).toContain('Honestly we are looking at other vendors before the renewal.');
    expect(alert).toContain(`https://fake.slack.test/archives/${SHARED}/p${root.replace('.', '')}`);
    expect(alert).toMatch(/Suggested next step:\* Call the sponsor this week about the renewal\./);
    expect(alert).toMatch(/Escalated as strategic customer relationship decisions/);

    // Strategic: escalated once, to the area's owner, in the escalation channel.
    const escalations = h.slack.botMessages('C0ESC').filter((m) => m.metadata?.event_type === 'luna_escalation');
    expect(escalations).toHaveLength(1);
    expect(dmText(escalations[0]!)).toMatch(/<@U0123ABCD>.*from customer signals/s);

    // The customer sees nothing: no post, no edit, no reaction.
    expect(h.slack.postedIn(SHARED)).toEqual([]);
    expect(h.slack.messages(SHARED).some((m) => m.reactions?.length)).toBe(false);
    expect(h.slack.visibleTo(CUSTOMER, SHARED).filter((m) => m.kind === 'ephemeral')).toEqual([]);

    // Account memory: the signal, by message ids only.
    const memory = await redis.lrange(`${h.prefix}:state:acct:t-T0ACME:signals`, 0, -1);
    expect(memory).toHaveLength(1);
    expect(memory[0]).not.toMatch(/vendors|renew/);
    expect(await redis.ttl(`${h.prefix}:state:acct:t-T0ACME:signals`)).toBeGreaterThanOrEqual(400 * 86_400 - 60);

    // Nothing more after the window: one batch, one alert.
    await new Promise((r) => setTimeout(r, 500));
    await queueIdle(h);
    expect(alerts(OWNER)).toHaveLength(1);
    expect(signalCalls()).toHaveLength(1);
  });

  it('a full batch is classified at once; advocacy goes to @marketing by DM; channels signals does not list are not read', async () => {
    await start({ channels: [SHARED], batchMinutes: 60, batchMessages: 3 });
    h.slack.addSharedChannel({
      id: 'C0OTHER',
      name: 'other-shared',
      externalTeam: { id: 'T0OTHER', name: 'Other', domain: 'other' },
      externalMembers: ['U0OTHERX'],
    });
    await say('U0OTHERX', 'We will cancel next month.', { channel: 'C0OTHER' });
    await say(CUSTOMER, 'We love the new dashboard, I would recommend you to anyone.');
    await say(CUSTOMER2, 'Can we get more seats for another team?');
    await say(CUSTOMER, 'Still broken again? This is frustrating.');
    await until(() => alerts(OWNER).length === 1, 'the owner’s alert', 10_000);
    await until(() => h.slack.dmsTo(MARKETER).length === 1, 'the marketing note', 10_000);
    await queueIdle(h);
    expect(signalCalls()).toHaveLength(1);
    expect(JSON.stringify(signalCalls()[0]!.body.messages)).not.toContain('cancel next month');
    const alert = dmText(alerts(OWNER)[0]!);
    for (const kind of ['Advocacy', 'Expansion interest', 'Frustration']) expect(alert).toContain(`*${kind}*`);
    expect(alert).not.toContain('Churn risk');
    expect(dmText(h.slack.dmsTo(MARKETER)[0]!)).toMatch(/Acme Corp\* spoke up for us.*would recommend you to anyone/s);
    expect(h.slack.botMessages('C0ESC')).toHaveLength(0);
    expect(h.slack.postedIn(SHARED)).toEqual([]);
    expect(h.slack.postedIn('C0OTHER')).toEqual([]);
  });

  it('when the daily token budget is spent, classification stops until the next UTC day, and /metrics says so', async () => {
    await start({ batchMinutes: 60, batchMessages: 2, dailyTokenBudget: 20_000 });
    await say(CUSTOMER, 'We are evaluating alternatives.');
    await say(CUSTOMER2, 'Yes, alternatives look cheaper.');
    await until(() => alerts(OWNER).length === 1, 'the first batch’s alert', 10_000);
    await queueIdle(h);
    const store = new SignalStore(redis, h.prefix);
    const spent = await store.spent(utcDay(Date.now()));
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBe(h.anthropic.totals().inputTokens + h.anthropic.totals().outputTokens);

    // The rest of today's budget goes (other batches of the day, as the shared counter records them).
    await store.spend(utcDay(Date.now()), 20_000 - spent);
    await say(CUSTOMER, 'We will not renew, we are moving to a competitor.');
    await say(CUSTOMER2, 'Cancel it.');
    await until(
      async () => /luna_signal_batches_total\{outcome="over_budget"\} 1/.test(await metrics()),
      'an over-budget batch',
      10_000,
    );
    await queueIdle(h);
    expect(signalCalls()).toHaveLength(1);
    expect(alerts(OWNER)).toHaveLength(1);
    const m = await metrics();
    expect(m).toMatch(/luna_signal_messages_total\{outcome="over_budget"\} 2/);
    expect(m).toMatch(/luna_signal_messages_total\{outcome="classified"\} 2/);
    expect(m).toMatch(/luna_signals_budget_spent_tokens 20000/);
    // Tomorrow (UTC) starts from zero.
    expect(await store.spent(utcDay(Date.now() + 86_400_000))).toBe(0);
  });
});
