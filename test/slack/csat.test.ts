import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/stores/accounts.js';
import type { SlackCall } from '../fakes/slack-server.js';
import { inDays, writeAccountBook } from '../helpers/account-book.js';
import {
  outcomes,
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  until,
  type Harness,
} from '../helpers/harness.js';
import { buttonClickForm, eventEnvelope, signedRequest } from '../helpers/slack-sign.js';
import { addAcmeShared, CSM, CUSTOMER, SHARED } from '../helpers/acme.js';

/**
 * CSAT surveys over the wire: an internal member's ✅ on a customer thread's parent (reaction_added) makes
 * LUNA ask once in that thread; customers' clicks are votes (the last click of each person counts), an
 * internal member's click is refused; the App Home shows the measured CSAT beside the digest estimate, and
 * retention and milestones from the account book.
 */
const CSM2 = 'U0CSM2';
const CUSTOMER2 = 'U0ACMEEVE';

const redis = new Redis(process.env.REDIS_URL!);
let h: Harness;
afterEach(async () => {
  await h?.stop();
});
afterAll(() => redis.disconnect());

async function start(csat: Record<string, unknown> = { enabled: true }) {
  const book = await writeAccountBook([
    {
      Name: 'Acme Corp',
      Slack_Channels: SHARED,
      Slack_Team_ID: 'T0ACME',
      Owner: CSM,
      Renewal_Date: inDays(20),
      Health: 'At risk',
      Status: 'active',
      Milestones_Done: '3',
      Milestones_Total: '5',
    },
    {
      Name: 'Globex',
      Renewal_Date: inDays(-30),
      Health: 'Green',
      Status: 'renewed',
      Status_Date: inDays(-31),
      Milestones_Done: '4',
      Milestones_Total: '4',
    },
    { Name: 'Initech', Renewal_Date: inDays(-60), Health: '30', Status: 'churned', Status_Date: inDays(-61) },
    { Name: 'Umbrella', Renewal_Date: inDays(-100), Health: '80', Status: 'active' },
    { Name: 'Hooli', Renewal_Date: inDays(200), Status: 'active' },
    { Name: 'Wayne Enterprises', Owner: CSM2, Renewal_Date: inDays(60), Health: 'Yellow', Status: 'active' },
  ]);
  h = await startHarness({
    config: testConfig({ escalation: TEST_ESCALATION, csat, customerChannels: { owners: { [SHARED]: [CSM] } } }),
    env: { LUNA_ACCOUNTS: book },
  });
  h.slack.addUser({ id: CSM, name: 'casey' });
  h.slack.addUser({ id: CSM2, name: 'cam' });
  addAcmeShared(h.slack, {
    members: [CSM, CSM2],
    customers: [
      { id: CUSTOMER, name: 'dana' },
      { id: CUSTOMER2, name: 'eve' },
    ],
  });
}

const send = (event: object) =>
  signedRequest(h.eventsUrl, eventEnvelope(event, { isExtSharedChannel: true }), { signingSecret: SIGNING_SECRET });
const surveys = () => h.slack.botMessages(SHARED).filter((m) => JSON.stringify(m.blocks ?? []).includes('csat_vote_1'));
let clock = 1_800_000_000;
const vote = (user: string, score: number, survey: { ts: string; thread_ts?: string }, value: string) =>
  signedRequest(
    h.eventsUrl,
    buttonClickForm({
      user,
      actionId: `csat_vote_${score}`,
      value,
      message: { channel: SHARED, ts: survey.ts, body: survey },
      actionTs: `${clock++}.000100`,
    }),
    { signingSecret: SIGNING_SECRET, contentType: 'form' },
  );
const ephemeralsTo = (user: string) =>
  h.slack
    .visibleTo(user, SHARED)
    .filter((m) => m.kind === 'ephemeral')
    .map((m) => m.text);

/** A customer's question and the team's reply: a thread that gets resolved. */
function thread() {
  const root = h.slack.addMessage(SHARED, { user: CUSTOMER, text: 'Our SSO login fails since this morning.' });
  const reply = h.slack.addMessage(SHARED, { user: CSM, text: 'Fixed: the certificate had expired.', thread_ts: root });
  return { root, reply };
}

describe('CSAT surveys', () => {
  it('an internal member’s ✅ on a customer thread’s parent posts exactly one survey in that thread', async () => {
    await start();
    const { root, reply } = thread();
    const other = h.slack.addMessage(SHARED, { user: CUSTOMER, text: 'Thanks, all good now!' });
    // The thread had been escalated earlier (as account memory recorded it).
    const memory = new AccountStore(redis, h.prefix);
    await memory.escalationOpened('t-T0ACME', {
      id: 'esc-1',
      area: 'Complex customer negotiations',
      channel: SHARED,
      threadTs: root,
      openedAt: Date.now() - 3_600_000,
    });
    const tick = h.slack.react({ user: CSM, channel: SHARED, ts: root, reaction: 'white_check_mark' });
    expect((await send(tick)).status).toBe(200);
    expect((await send(tick)).status).toBe(200); // Slack redelivering the event
    await send(h.slack.react({ user: CSM2, channel: SHARED, ts: root, reaction: 'white_check_mark' })); // a second colleague
    await send(h.slack.react({ user: CSM, channel: SHARED, ts: reply, reaction: 'white_check_mark' })); // a reply is no thread parent
    await send(h.slack.react({ user: CUSTOMER, channel: SHARED, ts: other, reaction: 'white_check_mark' })); // the customer's own ✅
    await send(h.slack.react({ user: CSM, channel: SHARED, ts: other, reaction: 'thumbsup' })); // another emoji
    await queueIdle(h);

    const posted = surveys();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.thread_ts).toBe(root);
    expect(posted[0]!.text).toContain('How did we do on this one?');
    expect(JSON.stringify(posted[0]!.blocks)).toMatch(/"text":"1".*"text":"5"/);
    // What the customer reads in the channel: the question, nothing more.
    expect(h.slack.postedIn(SHARED).map((v) => v.visibleText)).toEqual([
      expect.stringMatching(/^How did we do on this one\?/),
    ]);
    // Resolved: the thread's escalation is closed in account memory.
    expect((await memory.escalations('t-T0ACME'))[0]!.closedAt).toBeGreaterThan(0);
  });

  it('two customers vote (the last click counts) and an internal member is refused: CSAT is from the two; Home shows it beside the estimate', async () => {
    await start();
    const { root } = thread();
    await send(h.slack.react({ user: CSM, channel: SHARED, ts: root, reaction: 'white_check_mark' }));
    await until(() => surveys().length === 1, 'the survey');
    const survey = surveys()[0]!;
    const id = `${SHARED}-${root}`;
    await vote(CUSTOMER, 2, survey, id);
    await queueIdle(h);
    await vote(CUSTOMER, 5, survey, id); // changed their mind
    await vote(CUSTOMER2, 4, survey, id);
    await vote(CSM, 1, survey, id); // ours: not counted
    await vote(CUSTOMER2, 1, { ts: root }, id); // a button value replayed on another message: not a vote
    await queueIdle(h);

    expect(ephemeralsTo(CUSTOMER)).toEqual([expect.stringMatching(/^Thank you/), expect.stringMatching(/^Thank you/)]);
    expect(ephemeralsTo(CUSTOMER2)).toEqual([expect.stringMatching(/^Thank you/)]);
    expect(ephemeralsTo(CSM)).toEqual([expect.stringMatching(/Only the customer's ratings count/)]);
    expect(h.slack.postedIn(SHARED)).toHaveLength(1); // the survey; every reply to a click is private

    // App Home for one of ours: measured CSAT (5 and 4), labelled, beside the digest estimate; the book's figures.
    const event = {
      type: 'app_home_opened',
      user: CSM,
      channel: 'D0CSM1',
      tab: 'home',
      event_ts: `${(Date.now() / 1000).toFixed(6)}`,
    };
    await signedRequest(h.eventsUrl, eventEnvelope(event), { signingSecret: SIGNING_SECRET });
    await h.slack.waitFor(() => publishes(CSM).length === 1, 10_000, 'the Home publish');
    const text = JSON.stringify(publishes(CSM)[0]!.args.view);
    expect(text).toMatch(/\*Customer satisfaction \(CSAT\)\* — \*4\.5\/5\* · target > 4\.5\/5 · just below target/);
    expect(text).toContain(
      '_Measured from CSAT surveys: 2 responses, 1 of 1 survey answered (100% response rate) in the last 8 weeks — too few to conclude._',
    );
    expect(text).toContain('_Estimated from feedback digests: no digest in the last 8 weeks._');
    // Retention: Globex renewed, Umbrella active, Initech churned (Hooli renews later, Acme and Wayne not yet due).
    expect(text).toMatch(/\*Customer retention rate\* — \*67%\* · target > 90% · 23 points below target/);
    expect(text).toContain(
      'From the account book: 2 of 3 accounts whose renewal fell in the last 12 months renewed or stayed active, 1 churned.',
    );
    // Milestones: Acme 3/5 and Globex 4/4; churned Initech left out.
    expect(text).toMatch(/\*Customer success milestones reached on time\* — \*78%\*/);
    expect(text).toContain('7 of 9 milestones done across 2 accounts');
    expect(text).toContain('*Journey conversion* — not measured by LUNA');
    // Accounts at risk, riskiest first, with owner and channel.
    expect(text).toContain('*Accounts at risk* (6 accounts known)');
    const acme = text.indexOf('*Acme Corp* · health At risk');
    const wayne = text.indexOf('*Wayne Enterprises* · health Yellow');
    expect(acme).toBeGreaterThan(0);
    expect(wayne).toBeGreaterThan(acme);
    expect(text).toMatch(
      /\*Acme Corp\* · health At risk · no open escalation · no signal · renewal \d{4}-\d\d-\d\d \(in 20 days\) · owner <@U0CSM1> · <#C0ACMESHARED>/,
    );
    expect(text).not.toMatch(/Globex\* · health|Umbrella\* · health|Initech\* · health/);
    expect(text).not.toContain('SSO login fails');

    // Someone of Acme opening LUNA's Home sees no figures.
    const theirs = { ...event, user: CUSTOMER, channel: 'D0ACMEDANA' };
    await signedRequest(h.eventsUrl, eventEnvelope(theirs), { signingSecret: SIGNING_SECRET });
    await h.slack.waitFor(() => publishes(CUSTOMER).length === 1, 10_000, 'the customer’s Home');
    const view = JSON.stringify(publishes(CUSTOMER)[0]!.args.view);
    expect(view).toContain("dashboard for this workspace's own team");
    expect(view).not.toMatch(/CSAT|retention|Acme Corp|%/);
  });

  it('with csat.enabled false (the default) a ✅ posts nothing', async () => {
    await start({});
    const { root } = thread();
    await send(h.slack.react({ user: CSM, channel: SHARED, ts: root, reaction: 'white_check_mark' }));
    await queueIdle(h);
    expect(surveys()).toHaveLength(0);
    expect(h.slack.postedIn(SHARED)).toEqual([]);
    expect(await outcomes(h, 'thread-resolved')).toEqual([{ survey: 'none', why: 'csat.enabled is false' }]);
  });
});

const publishes = (user: string): SlackCall[] =>
  h.slack.callsTo('views.publish').filter((c) => c.response?.ok && c.args.user_id === user);
