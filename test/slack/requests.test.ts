import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, onTestFailed } from 'vitest';
import type { RequestBody } from '../fakes/anthropic-server.js';
import { RequestStore } from '../../src/stores/requests.js';
import { writeAccountBook } from '../helpers/account-book.js';
import { queueIdle, SIGNING_SECRET, startHarness, testConfig, until, type Harness } from '../helpers/harness.js';
import { buttonClickForm, eventEnvelope, interactivityForm, signedRequest } from '../helpers/slack-sign.js';
import { ACME, addAcmeShared, CSM, CUSTOMER, SHARED } from '../helpers/acme.js';

/**
 * Customer requests over the wire: a customer's message in a Slack Connect channel arrives as a `message.channels`
 * event and becomes one tracked request with one card in the triage channel; the team's reply, the card's buttons
 * and select, a deletion and the SLA timers move it, and the card follows with chat.update. The customer sees none
 * of it. Targets are seconds (`0.05m`), so warnings and breaches play out in test time.
 */
const TRIAGE = 'C0TRIAGE';
const OWNER = CSM;
const AGENT = 'U0AGENT';

const redis = new Redis(process.env.REDIS_URL!);
let h: Harness;
/** What the last start used, to start LUNA again on the same Redis prefix and fakes. */
let started: { config: string; env: Record<string, string> };
afterEach(async () => {
  await h?.stop();
});
afterAll(() => redis.disconnect());

async function start(
  requests: Record<string, unknown>,
  plan = 'Enterprise',
  more: { owner?: string; config?: Record<string, unknown> } = {},
) {
  const book = await writeAccountBook([
    { name: 'Acme Corp', slack_channels: SHARED, slack_team_id: 'T0ACME', owner: more.owner ?? OWNER, plan },
  ]);
  started = {
    config: testConfig({
      requests: { channels: [SHARED], triageChannel: TRIAGE, priorityByPlan: { enterprise: 'high' }, ...requests },
      signals: { channels: 'none' },
      ...more.config,
    }),
    env: { LUNA_ACCOUNTS: book },
  };
  h = await startHarness(started);
  h.slack.addChannel({ id: TRIAGE, name: 'cs-triage' });
  h.slack.addUser({ id: OWNER, name: 'casey' });
  h.slack.addUser({ id: AGENT, name: 'alex' });
  addAcmeShared(h.slack, { members: [OWNER, AGENT] });
}

/** Someone posts in a channel without mentioning LUNA; `retries` resends the same delivery as Slack's retries do. */
async function say(user: string, text: string, opts: { threadTs?: string; retries?: number } = {}) {
  const event = h.slack.userEvent({
    type: 'message',
    user,
    channel: SHARED,
    text,
    ...(opts.threadTs ? { threadTs: opts.threadTs } : {}),
  });
  const envelope = eventEnvelope(event, { isExtSharedChannel: true });
  for (let i = 0; i <= (opts.retries ?? 0); i++) {
    const res = await signedRequest(h.eventsUrl, envelope, {
      signingSecret: SIGNING_SECRET,
      ...(i ? { retryNum: i, retryReason: 'http_timeout' } : {}),
    });
    expect(res.status).toBe(200);
  }
  return event.ts;
}

async function deliver(event: object) {
  const res = await signedRequest(h.eventsUrl, eventEnvelope(event, { isExtSharedChannel: true }), {
    signingSecret: SIGNING_SECRET,
  });
  expect(res.status).toBe(200);
}

async function click(user: string, actionId: string, value: string, card: string, teamId?: string) {
  const body = buttonClickForm({
    user,
    actionId,
    value,
    message: { channel: TRIAGE, ts: card },
    ...(teamId ? { teamId } : {}),
  });
  expect((await signedRequest(h.eventsUrl, body, { signingSecret: SIGNING_SECRET })).status).toBe(200);
}

/** Choosing an option in the card's priority menu: a block_actions payload whose action carries `selected_option`. */
async function choose(user: string, requestId: string, priority: string, card: string) {
  const actionTs = (Date.now() / 1000).toFixed(6);
  const option = { text: { type: 'plain_text', text: priority }, value: `${requestId}|${priority}` };
  const body = interactivityForm({
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0LUNA',
    token: 'legacy',
    trigger_id: `9.9.${actionTs}`,
    team: { id: 'T0TEAM', domain: 'fake' },
    container: { type: 'message', channel_id: TRIAGE, message_ts: card, is_ephemeral: false },
    channel: { id: TRIAGE },
    message: { ts: card },
    actions: [
      {
        type: 'static_select',
        action_id: 'request_priority',
        block_id: `request:${requestId}`,
        selected_option: option,
        action_ts: actionTs,
      },
    ],
  });
  expect((await signedRequest(h.eventsUrl, body, { signingSecret: SIGNING_SECRET })).status).toBe(200);
}

const cards = () => h.slack.botMessages(TRIAGE).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const cardText = (ts: string) => JSON.stringify(h.slack.message(TRIAGE, ts)?.blocks ?? []);
const metrics = async () => (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();
const store = () => new RequestStore(redis, h.prefix);
const idOf = (ts: string) => `${SHARED}-${ts}`;

/** Slack's `message_changed` for the customer's message `message.ts` in the shared channel, which read `before`. */
const messageChanged = (
  message: { ts: string } & Record<string, unknown>,
  before: string,
  now = (Date.now() / 1000).toFixed(6),
) =>
  deliver({
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: SHARED,
    channel_type: 'channel',
    ts: now,
    message: { type: 'message', ...message },
    previous_message: { type: 'message', user: CUSTOMER, text: before, ts: message.ts },
  });

function nothingForTheCustomer() {
  expect(h.slack.postedIn(SHARED)).toEqual([]);
  expect(h.slack.messages(SHARED).some((m) => m.reactions?.length)).toBe(false);
  expect(h.slack.visibleTo(CUSTOMER, SHARED).filter((m) => m.kind === 'ephemeral')).toEqual([]);
}

describe('customer requests', () => {
  it('a customer question opens one request and one card (a retry too); the team’s reply, Take it, the priority menu and Resolve move it', async () => {
    await start({ detection: 'every' });
    const asked = await say(CUSTOMER, 'Our SSO login fails since this morning, can you look?', { retries: 2 });
    await until(async () => cards().length === 1 && (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    await say(CUSTOMER, 'Thanks!');
    await queueIdle(h);
    expect(cards()).toHaveLength(1);
    expect(await store().openCount()).toBe(1);
    const card = cards()[0]!.ts;
    expect(cardText(card)).toContain('Acme Corp');
    expect(cardText(card)).toContain('Our SSO login fails since this morning');
    expect(cardText(card)).toContain('High'); // Enterprise plan
    expect(cardText(card)).toMatch(/<@U0CSM1> \(account owner\)/);
    expect(cardText(card)).toContain(`https://fake.slack.test/archives/${SHARED}/p${asked.replace('.', '')}`);
    expect(await metrics()).toMatch(/luna_requests_opened_total\{via="every"\} 1/);
    expect(await metrics()).toMatch(/luna_requests_open 1/);

    await say(OWNER, 'Looking into it now.', { threadTs: asked });
    await until(() => cardText(card).includes('First response by <@U0CSM1>'), 'the card showing the first response');
    expect(await metrics()).toMatch(/luna_request_first_response_seconds_count\{priority="high"\} 1/);

    // Someone of the customer's organisation (were they ever to see the card) cannot press its buttons.
    h.slack.setMembers(TRIAGE, [OWNER, AGENT, CUSTOMER]);
    await click(CUSTOMER, 'request_take', idOf(asked), card, ACME.id);
    await queueIdle(h);
    expect((await store().get(idOf(asked)))?.assigneeId).toBe(OWNER);
    expect(h.slack.ephemerals.filter((e) => e.user === CUSTOMER && e.channel === TRIAGE).map((e) => e.text)).toEqual([
      expect.stringContaining('Only members of the team'),
    ]);

    // A button copied onto another message (or a forged value) changes nothing.
    await click(AGENT, 'request_take', idOf(asked), (Number(card) + 1).toFixed(6));
    await click(AGENT, 'request_take', 'C0X-<@U0AGENT>', card);
    await queueIdle(h);
    expect((await store().get(idOf(asked)))?.assigneeId).toBe(OWNER);

    await click(AGENT, 'request_take', idOf(asked), card);
    await until(() => cardText(card).includes('*Assignee*\\n<@U0AGENT>'), 'the card naming the taker');
    await choose(AGENT, idOf(asked), 'urgent', card);
    await until(async () => (await store().get(idOf(asked)))?.priority === 'urgent', 'the urgent priority');
    await queueIdle(h);
    expect(cardText(card)).toContain('Urgent');

    await click(AGENT, 'request_resolve', idOf(asked), card);
    await until(() => cardText(card).includes('Resolved by <@U0AGENT>'), 'the card showing the resolution');
    expect(cardText(card)).not.toContain('request_take'); // no buttons on a resolved request
    expect(await metrics()).toMatch(/luna_request_resolution_seconds_count\{priority="urgent"\} 1/);
    expect(await metrics()).toMatch(/luna_requests_open 0/);

    // The customer's thanks in the thread leave it resolved; writing again reopens it.
    await say(CUSTOMER, 'Great, thank you! 🙏', { threadTs: asked });
    await queueIdle(h);
    expect((await store().get(idOf(asked)))?.status).toBe('resolved');
    await say(CUSTOMER, 'It is failing again.', { threadTs: asked });
    await until(() => cardText(card).includes('Reopened'), 'the card showing the reopening');
    expect(cards()).toHaveLength(1);
    nothingForTheCustomer();
  });

  it('Resolve on the card asks the customer for a rating once (csat.enabled), as the resolved reaction does', async () => {
    await start({ detection: 'every' }, 'Starter', { config: { csat: { enabled: true } } });
    const asked = await say(CUSTOMER, 'How do we rotate our API key?');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    const card = (await store().get(idOf(asked)))!.card!.ts;
    await say(OWNER, 'Under Settings → Keys.', { threadTs: asked });
    await click(OWNER, 'request_resolve', idOf(asked), card);
    const surveys = () => h.slack.botMessages(SHARED, asked).filter((m) => m.ts !== asked);
    await until(() => surveys().length === 1, 'the survey in the thread');
    await deliver(h.slack.react({ user: OWNER, channel: SHARED, ts: asked, reaction: 'white_check_mark' }));
    await queueIdle(h);
    expect(surveys()).toHaveLength(1);
    expect((await store().get(idOf(asked)))?.status).toBe('resolved');
  });

  it('a deleted request message withdraws the request; the card says so and loses its buttons', async () => {
    await start({ detection: 'every' });
    const asked = await say(CUSTOMER, 'Where do I change the billing contact?');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    const card = (await store().get(idOf(asked)))!.card!.ts;
    await say(CUSTOMER, 'Sorry, found it in the settings page.'); // grouped into the request, no second card
    await queueIdle(h);
    expect(cards()).toHaveLength(1);
    expect((await store().get(idOf(asked)))?.followUps).toHaveLength(1);
    await deliver({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: SHARED,
      channel_type: 'channel',
      ts: (Date.now() / 1000).toFixed(6),
      deleted_ts: asked,
    });
    await until(() => cardText(card).includes('Withdrawn'), 'the withdrawn card');
    expect(cardText(card)).not.toContain('request_resolve');
    expect((await store().get(idOf(asked)))?.status).toBe('withdrawn');
    expect(await store().openCount()).toBe(0);

    // A request's message deleted while its thread has replies stays as a tombstone: withdrawn too.
    const other = await say(CUSTOMER, 'Is there a sandbox we can test in?');
    await until(async () => (await store().get(idOf(other)))?.card !== undefined, 'the second card');
    await say(AGENT, 'Yes, I will set one up.', { threadTs: other });
    await messageChanged(
      {
        subtype: 'tombstone',
        text: 'This message was deleted.',
        ts: other,
        thread_ts: other,
        reply_count: 1,
        hidden: true,
      },
      'Is there a sandbox we can test in?',
    );
    await until(async () => (await store().get(idOf(other)))?.status === 'withdrawn', 'the second request withdrawn');
    nothingForTheCustomer();
  });

  it('App Home shows a team member the requests assigned to them and the team’s figures; the account’s brief counts its open requests', async () => {
    await start({ detection: 'every' });
    const asked = await say(CUSTOMER, 'Our exports stop at 10,000 rows, is that a limit?');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    // Until someone takes it, the request is the account owner's (the account book names them).
    const home = async (user: string) => {
      const event = {
        type: 'app_home_opened',
        user,
        channel: `D0${user.slice(2)}`,
        tab: 'home',
        event_ts: (Date.now() / 1000).toFixed(6),
      };
      expect((await signedRequest(h.eventsUrl, eventEnvelope(event), { signingSecret: SIGNING_SECRET })).status).toBe(
        200,
      );
      await queueIdle(h);
      return JSON.stringify(
        h.slack
          .callsTo('views.publish')
          .filter((c) => c.response?.ok && c.args.user_id === user)
          .at(-1)?.args.view ?? {},
      );
    };
    const owners = await home(OWNER);
    expect(owners).toContain('*Your requests* (1 open, soonest due first)');
    expect(owners).toContain('Our exports stop at 10,000 rows');
    expect(owners).toContain('*Customer requests* (last 8 weeks)');
    expect(owners).toContain('*Opened*\\n1');
    // Someone else of the team has none of their own, and sees the same team figures.
    const agents = await home(AGENT);
    expect(agents).toContain('*Your requests* (0 open, soonest due first)');
    expect(agents).not.toContain('Our exports stop at 10,000 rows');
    expect(agents).toContain('*Open now*\\n1');

    // A team member asks LUNA in the shared channel: the draft's prompt carries the account's brief, open requests included.
    await h.mention({ channel: SHARED, user: AGENT, text: '<@U0LUNA> what should we tell Acme about exports?' });
    await queueIdle(h);
    const answerPrompt = h.anthropic.requests.find((r) =>
      JSON.stringify(r.body.messages).includes('what should we tell Acme'),
    );
    expect(JSON.stringify(answerPrompt?.body.system)).toContain('Open customer requests: 1');
  });

  it('a customer’s question to LUNA in a request’s thread: the owners get LUNA’s draft privately, and the card links it', async () => {
    await start({ detection: 'every' }, 'Enterprise', {
      config: { customerChannels: { owners: { [SHARED]: [OWNER] } } },
    });
    const asked = await say(CUSTOMER, 'How do I rotate our API key?');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    // The customer asks LUNA in the request's thread (externalMentions: draft, the default).
    const event = h.slack.userEvent({
      user: CUSTOMER,
      channel: SHARED,
      text: '<@U0LUNA> can you help with this?',
      threadTs: asked,
    });
    await deliver(event);
    await queueIdle(h);
    const dm = h.slack.dmsTo(OWNER).find((m) => JSON.stringify(m.blocks ?? []).includes('draft_post'));
    expect(dm).toBeDefined();
    const card = (await store().get(idOf(asked)))!.card!.ts;
    await until(() => cardText(card).includes("LUNA's draft reply"), 'the card linking the draft');
    expect(cardText(card)).toMatch(/LUNA's draft reply: <https:\/\/[^|]+\|open> \(<@U0CSM1>\)/);
    // The customer reads only the holding reply.
    expect(h.slack.botMessages(SHARED, asked).map((m) => m.text)).toEqual([
      "Thanks, I've passed this to your account team; someone will reply here.",
    ]);
  });

  it('a request of an account without an owner is unassigned, and the channel’s owners are told privately', async () => {
    await start({ detection: 'every' }, 'Starter', {
      owner: '',
      config: { customerChannels: { owners: { [SHARED]: ['U0LEAD'] } } },
    });
    h.slack.addUser({ id: 'U0LEAD', name: 'lee' });
    const asked = await say(CUSTOMER, 'Who can help us plan the rollout?');
    await until(() => h.slack.dmsTo('U0LEAD').length === 1, 'the note to the channel’s owner');
    expect(h.slack.dmsTo('U0LEAD')[0]!.text).toMatch(/request from Acme Corp has nobody assigned/);
    const card = (await store().get(idOf(asked)))!.card!.ts;
    expect(cardText(card)).toContain('_Unassigned_');
    await queueIdle(h);
    expect(h.slack.dmsTo('U0LEAD')).toHaveLength(1);
    nothingForTheCustomer();
  });

  it('detection by reaction: the customer’s ticket reaction opens one; the team’s eyes take it, rotating_light makes it urgent, the resolved reaction resolves it', async () => {
    await start({ detection: 'reaction' }, 'Starter');
    const asked = await say(CUSTOMER, 'The export button does nothing in Safari.');
    await queueIdle(h);
    expect(cards()).toHaveLength(0); // detection: reaction — the message alone opens nothing
    const react = (user: string, reaction: string) =>
      deliver(h.slack.react({ user, channel: SHARED, ts: asked, reaction }));
    await react(CUSTOMER, 'ticket');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    const card = (await store().get(idOf(asked)))!.card!.ts;
    expect((await store().get(idOf(asked)))?.via).toBe('reaction');
    expect(await metrics()).toMatch(/luna_requests_opened_total\{via="reaction"\} 1/);

    await react(CUSTOMER, 'eyes'); // a customer cannot take it
    await queueIdle(h);
    expect((await store().get(idOf(asked)))?.assigneeId).toBe(OWNER);
    await react(AGENT, 'eyes');
    await until(() => cardText(card).includes('*Assignee*\\n<@U0AGENT>'), 'the card naming the agent');
    await react(OWNER, 'rotating_light');
    await until(() => cardText(card).includes('Urgent'), 'the urgent card');
    await react(AGENT, 'white_check_mark');
    await until(() => cardText(card).includes('Resolved by <@U0AGENT>'), 'the resolved card');
    await queueIdle(h);
    expect(cards()).toHaveLength(1);
    // Only the team's reactions and LUNA's own posts: nothing in the channel from LUNA.
    expect(h.slack.postedIn(SHARED)).toEqual([]);
  });

  it('an edit of the request’s message shows on the card', async () => {
    await start({ detection: 'every' }, 'Starter');
    const asked = await say(CUSTOMER, 'Can you reset my 2FA?');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    const card = (await store().get(idOf(asked)))!.card!.ts;
    const now = (Date.now() / 1000).toFixed(6);
    await messageChanged(
      {
        user: CUSTOMER,
        text: 'Can you reset 2FA for my colleague Sam?',
        ts: asked,
        edited: { user: CUSTOMER, ts: now },
      },
      'Can you reset my 2FA?',
      now,
    );
    await until(() => cardText(card).includes('reset 2FA for my colleague Sam'), 'the edited first words');
    nothingForTheCustomer();
  });

  it('ai detection: greetings and thanks make no model call; a question is read in one call and opens a request', async () => {
    await start({ detection: 'ai' }, 'Starter');
    h.anthropic.defaultReply = {
      handler: (body: RequestBody) => {
        const text = JSON.stringify(body.messages);
        const labels = [...text.matchAll(/\[(m\d+) · /g)].map((m) => m[1]!);
        return {
          text: JSON.stringify({ messages: labels.map((label) => ({ label, request: true, priority: 'normal' })) }),
        };
      },
    };
    await say(CUSTOMER, 'Hi team!');
    await say(CUSTOMER, 'Thanks Anna 🙏');
    await queueIdle(h);
    expect(h.anthropic.requests).toHaveLength(0);
    const asked = await say(CUSTOMER, 'Can we export the audit log as CSV?');
    // The team answers before the model has read the window: still the request's first response.
    await say(OWNER, 'Yes: Settings → Audit → Export.', { threadTs: asked });
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card after detection', 15_000);
    await queueIdle(h);
    expect((await store().get(idOf(asked)))?.firstResponderId).toBe(OWNER);
    expect(cardText((await store().get(idOf(asked)))!.card!.ts)).toContain('First response by <@U0CSM1>');
    expect(h.anthropic.requests).toHaveLength(1);
    expect(JSON.stringify(h.anthropic.requests[0]!.body.messages)).toContain('export the audit log');
    expect(JSON.stringify(h.anthropic.requests[0]!.body.messages)).not.toContain('Hi team');
    expect(JSON.stringify(h.anthropic.requests[0]!.body.messages)).not.toContain('Settings → Audit'); // the team's reply is no candidate
    expect((await store().get(idOf(asked)))?.via).toBe('ai');
    expect(cards()).toHaveLength(1);
    nothingForTheCustomer();
  });

  it('ai detection past the day’s token budget: questions still open requests, without a model call', async () => {
    await start({ detection: 'ai' }, 'Starter', { config: { signals: { channels: 'none', dailyTokenBudget: 1 } } });
    const asked = await say(CUSTOMER, 'Can we get an invoice in EUR instead of USD?');
    await say(CUSTOMER, 'Thanks!');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card', 15_000);
    await queueIdle(h);
    expect(h.anthropic.requests).toHaveLength(0);
    expect((await store().get(idOf(asked)))?.via).toBe('every');
    expect(cards()).toHaveLength(1);
  });

  it('a warning due while LUNA was stopped goes out once after it starts again, and the breach once on time', async () => {
    await start(
      { detection: 'every', warnAt: 0.25, sla: { normal: { firstResponse: '0.1m', resolution: '1h' } } },
      'Starter',
    );
    const first = h;
    const asked = await say(CUSTOMER, 'Why was our invoice charged twice?');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    await queueIdle(h);
    await first.luna.stop();
    await new Promise((r) => setTimeout(r, 2_000)); // the warning (1.5 s) comes due while stopped; the breach is at 6 s
    h = await startHarness({ slack: first.slack, anthropic: first.anthropic, prefix: first.prefix, ...started });
    const card = (await store().get(idOf(asked)))!.card!.ts;
    const breaches = () => h.slack.botMessages(TRIAGE, card).filter((m) => m.ts !== card);
    await until(
      () => h.slack.dmsTo(OWNER).filter((m) => m.text.includes('is due')).length === 1,
      'the warning after the restart',
    );
    expect(breaches()).toHaveLength(0);
    await until(() => breaches().length === 1, 'the breach', 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    await queueIdle(h);
    expect(breaches()).toHaveLength(1);
    expect(h.slack.dmsTo(OWNER).filter((m) => m.text.includes('is due'))).toHaveLength(1);
    expect(cardText(card)).toContain('Breached');
    nothingForTheCustomer();
    await h.stop();
    await first.slack.close();
    await first.anthropic.close();
    h = undefined as unknown as Harness;
  });

  it('business hours: with the only working day not today, a seconds-long target does not breach today', async () => {
    const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 2) % 7];
    const hours = { timezone: 'UTC', days: [day], from: '00:00', to: '24:00' };
    await start(
      { detection: 'every', hours, warnAt: 0.5, sla: { normal: { firstResponse: '0.05m', resolution: '0.1m' } } },
      'Starter',
    );
    const asked = await say(CUSTOMER, 'Could you send us the SOC 2 report?');
    await until(async () => (await store().get(idOf(asked)))?.card !== undefined, 'the card');
    const record = (await store().get(idOf(asked)))!;
    // Due 3 business seconds into the working day after tomorrow, not 3 s from now.
    expect(record.due.firstResponse - Date.now()).toBeGreaterThan(86_400_000);
    await new Promise((r) => setTimeout(r, 3_500));
    await queueIdle(h);
    expect(h.slack.botMessages(TRIAGE, record.card!.ts).filter((m) => m.ts !== record.card!.ts)).toEqual([]);
    expect(h.slack.dmsTo(OWNER).filter((m) => m.text.includes('is due'))).toEqual([]);
    expect((await store().get(idOf(asked)))?.breached).toEqual([]);
  });

  it('a warning then a breach fire once each, with two LUNA instances on one Redis; a request the team answered in time fires neither', async () => {
    await start(
      {
        detection: 'every',
        groupMinutes: 0,
        warnAt: 0.5,
        sla: { normal: { firstResponse: '0.05m', resolution: '1h' } },
      },
      'Starter',
    );
    // A second instance: its own worker and its own upsert of the timers' tick, on the same Redis and Slack.
    const second = await startHarness({ slack: h.slack, anthropic: h.anthropic, prefix: h.prefix, ...started });
    onTestFailed(() => second.luna.stop());
    const late = await say(CUSTOMER, 'Is the API rate limit per key or per account?');
    const answered = await say(CUSTOMER, 'Also, can you enable the beta for us?', {});
    await until(async () => (await store().get(idOf(answered)))?.card !== undefined, 'the second card');
    await say(OWNER, 'Enabled it for you.', { threadTs: answered });
    const lateCard = () =>
      store()
        .get(idOf(late))
        .then((r) => r?.card?.ts);
    await until(async () => Boolean(await lateCard()), 'the first card');
    const card = (await lateCard())!;

    const warnings = () => h.slack.dmsTo(OWNER).filter((m) => m.text.includes('is due'));
    const breaches = () => h.slack.botMessages(TRIAGE, card).filter((m) => m.ts !== card);
    await until(() => warnings().length === 1, 'the warning', 10_000);
    expect(warnings()[0]!.text).toContain('first response');
    expect(warnings()[0]!.text).toContain('Is the API rate limit per key or per account?');
    await until(() => breaches().length === 1, 'the breach reply', 10_000);
    expect(breaches()[0]!.text).toMatch(/First response SLA breached.*<@U0CSM1>/s);
    await until(() => cardText(card).includes('Breached'), 'the breached card');

    // Nothing fires twice: not after more ticks, nor for the answered request.
    await new Promise((r) => setTimeout(r, 2_500));
    await queueIdle(h);
    expect(warnings()).toHaveLength(1);
    expect(breaches()).toHaveLength(1);
    // Counted once, by whichever instance fired it.
    const breachCount = async (port: number) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/luna_request_sla_breaches_total\{target="first_response"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    expect((await breachCount(h.luna.port)) + (await breachCount(second.luna.port))).toBe(1);
    const other = await store().get(idOf(answered));
    expect(other?.breached).toEqual([]);
    expect(other?.warned).toEqual([]);
    nothingForTheCustomer();
    await second.luna.stop();
  });
});
