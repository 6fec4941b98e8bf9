import { afterEach, describe, expect, it } from 'vitest';
import { WORKING_REACTION } from '../../src/slack-api/working.js';
import type { RequestBody } from '../fakes/anthropic-server.js';
import { queueIdle, SIGNING_SECRET, startHarness, testConfig, until, type Harness } from '../helpers/harness.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';
import { addAcmeShared, CSM, CUSTOMER, SHARED } from '../helpers/acme.js';

/**
 * Nobody can run up the bill: per person a sliding minute and a UTC day of mentions, per other organisation a
 * UTC day of model tokens (`limits:`). Over the wire: signed events in, model requests and what each person saw out.
 */

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const answerCalls = () => h.anthropic.requests.filter((r) => !r.body.output_config).length;
const metrics = async () => (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();
const ephemeralsTo = (user: string, channel: string) =>
  h.slack
    .visibleTo(user, channel)
    .filter((m) => m.kind === 'ephemeral')
    .map((m) => m.text);

async function send(event: object, shared = false) {
  const res = await signedRequest(h.eventsUrl, eventEnvelope(event, shared ? { isExtSharedChannel: true } : {}), {
    signingSecret: SIGNING_SECRET,
  });
  expect(res.status).toBe(200);
}

describe('limits', () => {
  it('12 mentions in a few seconds from one person reach the model 6 times, with one short note only they see', async () => {
    h = await startHarness();
    h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
    h.slack.addUser({ id: 'U0ALICE', name: 'alice' });
    h.slack.addUser({ id: 'U0BOB', name: 'bob' });
    const started = Date.now();
    const sent = await Promise.all(
      Array.from({ length: 12 }, (_, i) => h.mention({ user: 'U0ALICE', text: `<@U0LUNA> question ${i}` })),
    );
    expect(sent.map((r) => r.status)).toEqual(Array(12).fill(200));
    await queueIdle(h);
    expect(Date.now() - started).toBeLessThan(10_000);

    expect(answerCalls()).toBe(6);
    const answered = sent.filter((r) => h.slack.botMessages('C0SUPPORT', r.ts).length > 0);
    expect(answered).toHaveLength(6);
    expect(ephemeralsTo('U0ALICE', 'C0SUPPORT')).toEqual([
      expect.stringMatching(/more than 6 questions in a minute.*Ask again in a minute/),
    ]);
    // Nothing else in the channel: no note for anyone else to read, no working indicator left behind.
    const others = sent.filter((r) => !answered.includes(r));
    for (const r of others) {
      expect(h.slack.botMessages('C0SUPPORT', r.ts)).toEqual([]);
      expect(h.slack.message('C0SUPPORT', r.ts)?.reactions?.some((x) => x.name === WORKING_REACTION) ?? false).toBe(
        false,
      );
    }
    expect(await metrics()).toMatch(/luna_mentions_limited_total\{limit="person_minute"\} 6/);

    // Someone else is not held up by it.
    const bob = await h.mention({ user: 'U0BOB', text: '<@U0LUNA> my turn' });
    await queueIdle(h);
    expect(h.slack.botMessages('C0SUPPORT', bob.ts)).toHaveLength(1);
    expect(answerCalls()).toBe(7);
  });

  it('digests and journey maps are model work a person asks for: they count in the same limits', async () => {
    h = await startHarness({ config: testConfig({ limits: { mentionsPerPersonPerMinute: 1 } }) });
    h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
    h.slack.addUser({ id: 'U0ALICE', name: 'alice' });
    const root = h.slack.addMessage('C0SUPPORT', { user: 'U0ALICE', text: 'Onboarding is slow for us.' });
    await h.mention({ user: 'U0ALICE', text: '<@U0LUNA> what should we do?', threadTs: root });
    await queueIdle(h);
    await h.mention({ user: 'U0ALICE', text: '<@U0LUNA> digest', threadTs: root });
    await h.mention({ user: 'U0ALICE', text: '<@U0LUNA> journey map onboarding', threadTs: root });
    await queueIdle(h);
    // One model call in all: the answer. Neither the digest nor the map was asked of the model.
    expect(h.anthropic.requests).toHaveLength(1);
    expect(ephemeralsTo('U0ALICE', 'C0SUPPORT').filter((t) => /in a minute/.test(t))).toHaveLength(1);
    expect(await metrics()).toMatch(/luna_mentions_limited_total\{limit="person_minute"\} 2/);
  });

  it('the day’s limit, in a DM: the note is a plain reply there (an ephemeral would be lost), once a day', async () => {
    h = await startHarness({
      config: testConfig({ limits: { mentionsPerPersonPerMinute: 2, mentionsPerPersonPerDay: 2 } }),
    });
    h.slack.addUser({ id: CSM, name: 'casey' });
    h.slack.addChannel({ id: 'D0CSM1', is_im: true, user: CSM });
    const asked: string[] = [];
    for (let i = 0; i < 4; i++) {
      const event = h.slack.userEvent({ user: CSM, channel: 'D0CSM1', type: 'message', text: `question ${i}` });
      asked.push(event.ts);
      await send(event);
      await queueIdle(h);
    }
    expect(answerCalls()).toBe(2);
    const replies = asked.map((ts) => h.slack.botMessages('D0CSM1', ts).map((m) => m.text));
    expect(replies[2]).toEqual([expect.stringMatching(/today's limit of 2 questions.*tomorrow \(UTC\)/)]);
    expect(replies[3]).toEqual([]);
    expect(await metrics()).toMatch(/luna_mentions_limited_total\{limit="person_day"\} 2/);
  });

  it('an organisation past its daily tokens: its people get the holding reply, the owners a note, no model call; App Home shows the day', async () => {
    h = await startHarness({
      config: testConfig({
        limits: { organisationDailyTokens: 1000 },
        customerChannels: { answers: 'direct', externalMentions: 'answer', owners: { [SHARED]: [CSM] } },
      }),
    });
    h.slack.addUser({ id: CSM, name: 'casey' });
    addAcmeShared(h.slack);
    h.anthropic.defaultReply = {
      handler: (b: RequestBody) => (b.output_config ? { text: '{}' } : { text: 'Here is how to reset SSO.' }),
    };
    const ask = async (user: string, text: string) => {
      const event = h.slack.userEvent({ user, channel: SHARED, text: `<@U0LUNA> ${text}` });
      await send(event, true);
      await queueIdle(h);
      return event.ts;
    };
    const first = await ask(CUSTOMER, 'how do we reset SSO?');
    expect(h.slack.botMessages(SHARED, first).map((m) => m.text)).toEqual(['Here is how to reset SSO.']);
    expect(answerCalls()).toBe(1);
    // The first answer's real usage (a ~3,600-token persona prefix alone) spent Acme's 1,000 tokens.
    const second = await ask(CUSTOMER, 'and SCIM?');
    expect(answerCalls()).toBe(1);
    expect(h.slack.botMessages(SHARED, second).map((m) => m.text)).toEqual([
      "Thanks, I've passed this to your account team; someone will reply here.",
    ]);
    const note = h.slack
      .dmsTo(CSM)
      .map((m) => m.text)
      .join('\n');
    expect(note).toMatch(
      /<@U0ACMEDANA> \(Acme Corp\) asked LUNA in .*Acme Corp's people have used today's 1,000 model tokens/,
    );
    expect(await metrics()).toMatch(/luna_mentions_limited_total\{limit="organisation_tokens"\} 1/);
    // The team's own people are not Acme's budget.
    const ours = await ask(CSM, 'draft a reply about SCIM');
    expect(h.slack.botMessages(SHARED, ours).map((m) => m.text)).toEqual(['Here is how to reset SSO.']);

    // App Home, for a team member: today's use against the budgets.
    const open = {
      type: 'app_home_opened',
      user: CSM,
      channel: 'D0CSM1',
      tab: 'home',
      event_ts: `${(Date.now() / 1000).toFixed(6)}`,
    };
    await send(open);
    await until(() => h.slack.callsTo('views.publish').some((c) => c.response?.ok), 'the Home tab');
    const home = JSON.stringify(h.slack.callsTo('views.publish').find((c) => c.response?.ok)!.args.view);
    expect(home).toMatch(/Limits today\* \(UTC\)\\nYour mentions: \*1\* of 200 · at most 6 a minute/);
    expect(home).toMatch(/Acme Corp: [\d,]+ of 1,000 tokens \(\d+%\) :no_entry: spent/);
  });
});
