import { afterEach, describe, expect, it } from 'vitest';
import type { RequestBody } from '../fakes/anthropic-server.js';
import { acmeMap } from '../fixtures/journey/maps.js';
import { fakeDigestModel, isDigestRequest } from '../helpers/digest-model.js';
import {
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  type Harness,
} from '../helpers/harness.js';
import { buttonClickForm, eventEnvelope, signedRequest, slashCommandForm } from '../helpers/slack-sign.js';
import { ACME, addAcmeShared, CSM, CUSTOMER, SHARED } from '../helpers/acme.js';

/**
 * A channel shared with Acme Corp (Slack Connect): everything LUNA posts there, Acme's people read. These
 * tests drive the real Bolt receiver with signed requests and read back what each person could see.
 */
const OWNER = CSM;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function start(customerChannels: Record<string, unknown> = {}) {
  h = await startHarness({
    config: testConfig({
      escalation: TEST_ESCALATION,
      handles: { sales: 'S0SALES' },
      customerChannels: { owners: { [SHARED]: [OWNER] }, ...customerChannels },
      model: { streamIdleTimeoutSeconds: 2 },
    }),
  });
  h.slack.addChannel({ id: 'C0ESC', name: 'cs-escalations' });
  h.slack.addUser({ id: CSM, name: 'casey' });
  addAcmeShared(h.slack);
}

/** The model: answers stream a fixed text; the escalation assessment says what `strategic` says. */
function script(answer: string, strategic = false) {
  const assessment = {
    outOfScope: false,
    strategic,
    area: strategic ? 'Complex customer negotiations' : 'none',
    confidence: 0.95,
    rationale: 'A pricing concession on the renewal is a negotiation decision.',
    customerWants: 'A 30% discount to renew.',
    decisionNeeded: 'Whether to discount.',
    risk: 'A $400k renewal.',
  };
  h.anthropic.defaultReply = {
    handler: (body: RequestBody) => (body.output_config ? { text: JSON.stringify(assessment) } : { text: answer }),
  };
}

/** A person's @luna in the shared channel, as Slack sends it (with `user_team`). */
async function mention(user: string, text: string, threadTs?: string) {
  const event = h.slack.userEvent({ user, channel: SHARED, text, ...(threadTs ? { threadTs } : {}) });
  const res = await signedRequest(h.eventsUrl, eventEnvelope(event, { isExtSharedChannel: true }), {
    signingSecret: SIGNING_SECRET,
  });
  expect(res.status).toBe(200);
  return event.ts;
}

const click = (user: string, actionId: string, value: string, channel: string, ts: string, actionTs?: string) =>
  signedRequest(
    h.eventsUrl,
    buttonClickForm({ user, actionId, value, message: { channel, ts }, ...(actionTs ? { actionTs } : {}) }),
    {
      signingSecret: SIGNING_SECRET,
      contentType: 'form',
    },
  );

/** Everything LUNA ever posted into the shared channel (each edit too), as one text per version. */
const postedInShared = () => h.slack.postedIn(SHARED).map((v) => v.visibleText);
const INTERNAL =
  /csat|churn|escalat|looped in|owner|<@U0CSM1>|<@U0456EFGH>|<!subteam|journey map|health|risk|negotiation|\/5/i;

const draftDm = (user: string) =>
  h.slack.dmsTo(user).find((m) => JSON.stringify(m.blocks ?? []).includes('draft_post'));

describe('customer channels (Slack Connect)', () => {
  it('an internal member’s question becomes a private draft; Post in thread posts it once, however often it is pressed', async () => {
    await start();
    script('Happy to help, Dana: here is how to **set up SSO** in three steps.');
    const ts = await mention(CSM, '<@U0LUNA> how does Dana set up SSO?');
    await queueIdle(h);
    expect(h.slack.botMessages(SHARED, ts)).toHaveLength(0); // nothing in the thread yet
    const dm = draftDm(CSM)!;
    expect(dm.text).toMatch(/review it before it is posted/);
    expect(JSON.stringify(dm.blocks)).toMatch(/Acme Corp/);
    expect(JSON.stringify(dm.blocks)).toMatch(/set up SSO/);

    const r1 = await click(CSM, 'draft_post', `answer-${SHARED}-${ts}`, dm.channel, dm.ts, '1700000001.000001');
    const r2 = await click(CSM, 'draft_post', `answer-${SHARED}-${ts}`, dm.channel, dm.ts, '1700000002.000002');
    await click(CSM, 'draft_post', `answer-${SHARED}-${ts}`, dm.channel, dm.ts, '1700000001.000001'); // Slack retrying the first request
    expect([r1.status, r2.status]).toEqual([200, 200]);
    await queueIdle(h);
    const posted = h.slack.botMessages(SHARED, ts);
    expect(posted.map((m) => m.text)).toEqual(['Happy to help, Dana: here is how to *set up SSO* in three steps.']);
    expect(h.slack.message(dm.channel, dm.ts)!.text).toMatch(/Posted in .* by <@U0CSM1>/);
  });

  it('Discard posts nothing, and a customer cannot press a draft’s button', async () => {
    await start();
    script('A draft nobody will post.');
    const ts = await mention(CSM, '<@U0LUNA> draft something');
    await queueIdle(h);
    const dm = draftDm(CSM)!;
    await click(CUSTOMER, 'draft_post', `answer-${SHARED}-${ts}`, dm.channel, dm.ts);
    // The click job refuses: it tells the presser privately in the draft's DM, which a customer is not in, so Slack
    // refuses that note and the job fails once its attempts are spent. Nothing is posted either way.
    await queueIdle(h, { failed: 1 });
    const [refused] = await h.luna.queue.getFailed();
    expect(refused).toMatchObject({
      name: 'draft-action',
      data: { userId: CUSTOMER, action: 'post' },
      failedReason: expect.stringContaining('user_not_in_channel') as unknown,
    });
    expect(h.slack.callsTo('chat.postEphemeral').map((c) => c.args)).toContainEqual(
      expect.objectContaining({
        user: CUSTOMER,
        text: 'Only the people this draft was sent to can post or discard it.',
      }),
    );
    expect(h.slack.botMessages(SHARED, ts)).toHaveLength(0);
    await click(CSM, 'draft_discard', `answer-${SHARED}-${ts}`, dm.channel, dm.ts);
    await queueIdle(h, { failed: 1 });
    await click(CSM, 'draft_post', `answer-${SHARED}-${ts}`, dm.channel, dm.ts);
    await queueIdle(h, { failed: 1 });
    expect(h.slack.botMessages(SHARED, ts)).toHaveLength(0);
    expect(h.slack.message(dm.channel, dm.ts)!.text).toMatch(/Discarded by <@U0CSM1>/);
  });

  it('a customer’s question gets one neutral holding reply; the owners get the draft; a strategic ask escalates internally', async () => {
    await start();
    script('We can look at options for your renewal together.', true);
    const ts = await mention(CUSTOMER, '<@U0LUNA> we need 30% off to renew');
    await queueIdle(h);
    expect(h.slack.botMessages(SHARED, ts).map((m) => m.text)).toEqual([
      "Thanks, I've passed this to your account team; someone will reply here.",
    ]);
    const dm = draftDm(OWNER)!;
    expect(JSON.stringify(dm.blocks)).toMatch(/look at options for your renewal/);
    const esc = h.slack.botMessages('C0ESC').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    expect(esc).toHaveLength(1);
    expect(JSON.stringify(esc[0]!.blocks)).toMatch(/<@U0456EFGH>/);
    for (const text of postedInShared()) expect(text).not.toMatch(INTERNAL);
  });

  it('externalMentions: answer — answered in the thread for the customer; ignore — nothing public, the owners are told', async () => {
    await start({ externalMentions: 'answer' });
    script('Here is how your admins can reset SSO.');
    const ts = await mention(CUSTOMER, '<@U0LUNA> how do we reset SSO?');
    await queueIdle(h);
    expect(h.slack.botMessages(SHARED, ts).map((m) => m.text)).toEqual(['Here is how your admins can reset SSO.']);
    await h.stop();

    await start({ externalMentions: 'ignore' });
    script('This must never be posted.');
    const ts2 = await mention(CUSTOMER, '<@U0LUNA> anyone there?');
    await queueIdle(h);
    expect(h.slack.botMessages(SHARED, ts2)).toHaveLength(0);
    expect(h.anthropic.requests.filter((r) => !r.body.output_config)).toHaveLength(0);
    expect(
      h.slack
        .dmsTo(OWNER)
        .map((m) => m.text)
        .join('\n'),
    ).toMatch(/<@U0ACMEDANA> \(Acme Corp\) mentioned LUNA/);
  });

  it('answers: direct — answered in the thread, written for the customer: the model is told who reads and who is external', async () => {
    await start({ answers: 'direct' });
    script('Here is the rollout plan for your team.');
    const root = h.slack.addMessage(SHARED, { user: CUSTOMER, text: 'Our SSO rollout is stuck.' });
    await mention(CSM, '<@U0LUNA> can you suggest a plan for Dana?', root);
    await queueIdle(h);
    expect(h.slack.botMessages(SHARED, root).map((m) => m.text)).toEqual(['Here is the rollout plan for your team.']);
    // Where the customer reads, the answer is posted once, complete: never streamed, and without feedback buttons.
    expect(h.slack.postedIn(SHARED).map((v) => v.kind)).toEqual(['post']);
    expect(h.slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(JSON.stringify(h.slack.botMessages(SHARED, root))).not.toContain('feedback_buttons');
    const answer = h.anthropic.requests.find((r) => !r.body.output_config)!.body;
    // The per-request block (after the cached persona prefix) carries the audience.
    const request = JSON.stringify((answer.system as Array<{ text: string }>)[1]!.text);
    expect(request).toMatch(/shared with Acme Corp/);
    expect(request).toMatch(/do not name escalation areas or say that owners are being looped in/);
    expect(request).not.toMatch(/say that the right owners are being looped in/);
    expect(JSON.stringify(answer.messages)).toContain('<@U0ACMEDANA> (Acme Corp)');
    expect(JSON.stringify(answer.messages)).not.toContain('<@U0CSM1> (Acme Corp)');
  });

  it('a digest asked for in the shared channel goes to the asker by DM; the channel shows nothing of it', async () => {
    await start();
    h.anthropic.defaultReply = fakeDigestModel({ area: 'Complex customer negotiations' });
    const root = h.slack.addMessage(SHARED, {
      user: CUSTOMER,
      text: 'Onboarding has been slow and we are looking at other vendors.',
    });
    h.slack.addMessage(SHARED, { user: CUSTOMER, text: 'SSO still is not working.', thread_ts: root });
    await mention(CSM, '<@U0LUNA> digest', root);
    await queueIdle(h);
    const dm = h.slack
      .dmsTo(CSM)
      .map((m) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`)
      .join('\n');
    expect(dm).toMatch(/Feedback digest/);
    expect(dm).toMatch(/Estimated CSAT/);
    expect(dm).toMatch(/sent to you privately: Acme Corp reads that channel/);
    expect(
      h.slack
        .visibleTo(CSM, SHARED)
        .filter((m) => m.kind === 'ephemeral')
        .map((m) => m.text)
        .join(),
    ).toMatch(/in a DM/);
    const digestCall = h.anthropic.requests.find((r) => isDigestRequest(r.body))!;
    expect(JSON.stringify(digestCall.body.messages)).toContain('(customer: Acme Corp)');
    for (const text of postedInShared()) expect(text).not.toMatch(INTERNAL);
  });

  it('a customer asking for a digest or a journey map gets a private "for the account team" note and nothing else', async () => {
    await start();
    h.anthropic.defaultReply = fakeDigestModel();
    const root = h.slack.addMessage(SHARED, { user: CUSTOMER, text: 'We love the product.' });
    await mention(CUSTOMER, '<@U0LUNA> digest', root);
    await mention(CUSTOMER, '<@U0LUNA> journey map Acme', root);
    await queueIdle(h);
    expect(h.anthropic.requests).toHaveLength(0);
    const seen = h.slack
      .visibleTo(CUSTOMER, SHARED)
      .filter((m) => m.kind === 'ephemeral')
      .map((m) => m.text);
    expect(seen).toEqual([
      expect.stringMatching(/for the account team/),
      expect.stringMatching(/for the account team/),
    ]);
    expect(postedInShared()).toHaveLength(0);
  });

  it('/journey-map in the shared channel: the map and its picture go to the asker’s DM', async () => {
    await start();
    h.anthropic.enqueue({ text: JSON.stringify(acmeMap()) });
    const res = await signedRequest(
      h.eventsUrl,
      slashCommandForm({ text: 'Acme Corp', channel_id: SHARED, user_id: CSM }),
      { signingSecret: SIGNING_SECRET },
    );
    expect(res.status).toBe(200);
    const upload = await h.slack.waitForCall('files.completeUploadExternal', (c) => c.response?.ok === true, 15_000);
    await queueIdle(h);
    const dm = h.slack.dmsTo(CSM);
    expect(dm.some((m) => (m.metadata?.event_payload as { part?: string } | undefined)?.part === 'map')).toBe(true);
    expect(upload.args).toMatchObject({ channel_id: dm[0]!.channel });
    expect(postedInShared()).toHaveLength(0);
  });

  it('a channel the config names as customer is one, even where Slack cannot tell (a private channel with guests)', async () => {
    h = await startHarness({
      config: testConfig({ customerChannels: { channels: { C0GUESTS: 'customer' }, owners: { C0GUESTS: [CSM] } } }),
    });
    h.slack.addChannel({ id: 'C0GUESTS', name: 'acme-guests', is_private: true });
    script('A private draft.');
    const res = await h.mention({ channel: 'C0GUESTS', user: CSM, text: '<@U0LUNA> what should we tell them?' });
    await queueIdle(h);
    expect(h.slack.botMessages('C0GUESTS', res.ts)).toHaveLength(0);
    expect(draftDm(CSM)).toBeDefined();
  });

  it('channel_shared drops the cached audience: a channel shared a moment ago is treated as a customer channel at once', async () => {
    h = await startHarness({ config: testConfig({ customerChannels: { owners: { C0SOON: [CSM] } } }) });
    h.slack.addChannel({ id: 'C0SOON', name: 'soon-shared', members: [CSM] });
    script('Internal answer.');
    const first = await h.mention({ channel: 'C0SOON', user: CSM, text: '<@U0LUNA> one' });
    await queueIdle(h);
    expect(h.slack.botMessages('C0SOON', first.ts)).toHaveLength(1);
    const shared = h.slack.shareChannel('C0SOON', ACME, [{ id: CUSTOMER, name: 'dana' }]);
    expect((await signedRequest(h.eventsUrl, eventEnvelope(shared), { signingSecret: SIGNING_SECRET })).status).toBe(
      200,
    );
    const second = await h.mention({ channel: 'C0SOON', user: CSM, text: '<@U0LUNA> two' });
    await queueIdle(h);
    expect(h.slack.botMessages('C0SOON', second.ts)).toHaveLength(0);
    expect(draftDm(CSM)).toBeDefined();
  });

  it('a mention that only carries files gets a short note instead of an answer to nothing', async () => {
    h = await startHarness();
    const ts = h.slack.addMessage('C0SUPPORT', {
      user: 'U0ALICE',
      text: '<@U0LUNA>',
      files: [{ id: 'F1', name: 'screenshot.png' }],
    });
    h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
    await h.mention({ ts, text: '<@U0LUNA>' });
    await queueIdle(h);
    expect(h.slack.botMessages('C0SUPPORT', ts).map((m) => m.text)).toEqual([
      expect.stringMatching(/can't read attachments yet/),
    ]);
    expect(h.anthropic.requests).toHaveLength(0);
  });
});
