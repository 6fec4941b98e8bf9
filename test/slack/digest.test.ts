import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EscalationRequest } from '../../src/contracts/payloads.js';
import { estimateTokens } from '../../src/personas/models.js';
import { StatsRecorder } from '../../src/stores/stats.js';
import type { FakeSlack, SlackMessage } from '../fakes/slack-server.js';
import { fakeDigestModel, isDigestRequest } from '../helpers/digest-model.js';
import {
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  type Harness,
} from '../helpers/harness.js';
import { buttonClickForm, interactivityForm, signedRequest } from '../helpers/slack-sign.js';

// A 1,000-token budget makes a 260-message thread a real map-reduce (about ten parts and a merge).
const CONFIG = testConfig({
  escalation: { ...TEST_ESCALATION, owners: TEST_ESCALATION.owners.slice(0, 2) },
  handles: { sales: 'S0SALES' },
  model: { threadTokenBudget: 1000, streamIdleTimeoutSeconds: 2 },
  queue: { attempts: 3 },
});
const CH = 'C0FEEDBACK';

const redis = new Redis(process.env.REDIS_URL!);
let h: Harness;
afterEach(async () => {
  await h?.stop();
});
afterAll(() => redis.disconnect());

/** The digest messages LUNA posted in a thread (not notes or apologies). */
function digestsIn(slack: FakeSlack, channel: string, threadTs: string): SlackMessage[] {
  return slack.botMessages(channel, threadTs).filter((m) => {
    const p = m.metadata?.event_payload as { job_id?: string; part?: unknown } | undefined;
    return String(p?.job_id).startsWith('digest-') && typeof p?.part === 'number';
  });
}

async function startWithThread(replies: number, model = fakeDigestModel()) {
  h = await startHarness({ config: CONFIG });
  h.anthropic.defaultReply = model;
  h.slack.addChannel({ id: CH, name: 'feedback' });
  h.slack.addChannel({ id: 'C0ESC', name: 'escalations' });
  const parent = h.slack.addMessage(CH, { user: 'U0BOB', text: 'feedback 0: Acme says onboarding is slow' });
  for (let i = 1; i <= replies; i++) {
    h.slack.addMessage(CH, {
      user: i % 3 ? 'U0BOB' : 'U0CAROL',
      text: `feedback ${i}: customer note number ${i} about SSO and support`,
      thread_ts: parent,
    });
  }
  return parent;
}

async function stats(name: 'digests' | 'action_items_created' | 'action_items_done') {
  return (await new StatsRecorder(redis, h.prefix).weekly(name, 1))[0]!.value;
}

async function escalateJobs(): Promise<Array<Job<EscalationRequest>>> {
  const jobs = await h.luna.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
  // An `escalate` job's payload is an EscalationRequest (parsed when it was queued).
  return jobs.filter((j) => j?.name === 'escalate') as Array<Job<EscalationRequest>>;
}

describe('feedback digests of a thread', () => {
  it('reads a 260-message thread in parts, posts one cited digest in it, and counts it', async () => {
    const parent = await startWithThread(259);
    const res = await h.mention({ channel: CH, threadTs: parent, text: '<@U0LUNA> digest' });
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => digestsIn(h.slack, CH, parent).length > 0, 20_000, 'a digest');
    await queueIdle(h);

    const digests = digestsIn(h.slack, CH, parent);
    expect(digests).toHaveLength(1);
    // Every message of the 260-message thread (parent and 259 replies) reached the model; the request is not feedback.
    const requests = h.anthropic.requests.filter((r) => isDigestRequest(r.body));
    const sent = requests.map((r) => JSON.stringify(r.body.messages)).join('\n');
    for (let i = 0; i <= 259; i++) expect(sent).toContain(`feedback ${i}: `);
    expect(sent).not.toContain('<@U0LUNA> digest');
    // Map-reduce: several parts, each within the budget, then merges.
    const parts = requests.filter((r) => JSON.stringify(r.body.messages).includes('Transcript:'));
    expect(parts.length).toBeGreaterThan(5);
    expect(requests.length).toBeGreaterThan(parts.length);
    for (const r of parts) expect(estimateTokens(r.body.messages[0]!.content as string)).toBeLessThan(1000 + 200);

    const blocks = JSON.stringify(digests[0]!.blocks);
    expect(blocks).toMatch(
      new RegExp(`https://fake\\.slack\\.test/archives/${CH}/p\\d{16}\\?thread_ts=${parent}&cid=${CH}\\|\\[\\d+\\]`),
    );
    expect(blocks).toContain('Estimated CSAT');
    expect(blocks).toContain('digest_action_done');
    // Permalinks are derived from one getPermalink call, not one per message.
    expect(h.slack.callsTo('chat.getPermalink')).toHaveLength(1);
    expect(await stats('digests')).toBe(1);
    expect(await stats('action_items_created')).toBe(2);
    // No churn risk in a strategic area: nothing escalated.
    expect(await escalateJobs()).toHaveLength(0);
  });

  it('runs from the message shortcut on a reply, and the Done button marks an action once', async () => {
    const parent = await startWithThread(5);
    const reply = h.slack.thread(CH, parent)[3]!.ts;
    const shortcut = {
      type: 'message_action',
      callback_id: 'feedback_digest',
      trigger_id: '1.2.3',
      response_url: h.slack.responseUrl(),
      action_ts: '1763600000.123456',
      message_ts: reply,
      token: 'legacy',
      team: { id: 'T0TEAM', domain: 'fake' },
      user: { id: 'U0CAROL', name: 'carol' },
      channel: { id: CH, name: 'feedback' },
      message: { type: 'message', ts: reply, thread_ts: parent, user: 'U0BOB', text: 'feedback 3' },
    };
    const ack = await signedRequest(h.eventsUrl, interactivityForm(shortcut), { signingSecret: SIGNING_SECRET });
    expect(ack.status).toBe(200);
    await h.slack.waitFor(() => digestsIn(h.slack, CH, parent).length > 0, 15_000, 'a digest');
    await queueIdle(h);
    const digest = digestsIn(h.slack, CH, parent)[0]!;
    const button = (i: number) =>
      (digest.blocks as Array<{ block_id?: string; accessory?: { value: string } }>).find(
        (b) => b.block_id === `action-${i}`,
      )!.accessory!;

    const click = (user: string, n: number) =>
      signedRequest(
        h.eventsUrl,
        buttonClickForm({
          user,
          actionId: 'digest_action_done',
          blockId: 'action-0',
          value: button(0).value,
          message: { channel: CH, ts: digest.ts, body: digest },
          responseUrl: h.slack.responseUrl(),
          actionTs: `1763600001.00000${n}`,
        }),
        { signingSecret: SIGNING_SECRET },
      );
    expect((await click('U0CAROL', 1)).status).toBe(200);
    await h.slack.waitForCall('chat.update');
    await queueIdle(h);
    expect((await click('U0DAVE', 2)).status).toBe(200); // a second click, by someone else
    await queueIdle(h);

    const updated = h.slack.message(CH, digest.ts)!;
    const blocks = updated.blocks as Array<{ block_id?: string; text?: { text: string }; accessory?: unknown }>;
    const first = blocks.find((b) => b.block_id === 'action-0')!;
    expect(first.text!.text).toContain('Done by <@U0CAROL>');
    expect(first.accessory).toBeUndefined();
    expect(blocks.find((b) => b.block_id === 'action-1')!.accessory).toBeDefined();
    // The feedback integration rate: 1 of 2 actions done, counted once.
    expect(await stats('action_items_created')).toBe(2);
    expect(await stats('action_items_done')).toBe(1);
  });

  it('says so in the thread when there is nothing to digest, or when the model keeps failing', async () => {
    await startWithThread(2);
    const alone = await h.mention({ channel: CH, text: '<@U0LUNA> digest' });
    const parent = h.slack.addMessage(CH, { user: 'U0BOB', text: 'feedback: exports time out' });
    h.anthropic.defaultReply = { status: 529 };
    await h.mention({ channel: CH, threadTs: parent, text: '<@U0LUNA> digest' });
    await h.slack.waitFor(() => h.slack.botMessages(CH, parent).length > 0, 15_000, 'a failure note');
    await queueIdle(h, { failed: 1 }); // the digest whose model kept failing, once its wait ran out
    expect(h.slack.botMessages(CH, alone.ts).map((m) => m.text)).toEqual([
      expect.stringContaining('no customer feedback in this thread'),
    ]);
    expect(h.slack.botMessages(CH, parent).map((m) => m.text)).toEqual([
      expect.stringContaining("couldn't finish the feedback digest"),
    ]);
    // The outage is waited out (model.giveUpAfterMinutes, 3 s in tests) with one probe at a time, backing off: then the note.
    expect(h.anthropic.requests.length).toBeGreaterThanOrEqual(2);
    expect(h.anthropic.requests.length).toBeLessThanOrEqual(8);

    // A shortcut in a channel LUNA is not in: it cannot read or post there, so the requester hears it privately.
    h.slack.addChannel({ id: 'C0NOTIN', is_member: false });
    const ts = h.slack.addMessage('C0NOTIN', { user: 'U0BOB', text: 'private feedback' });
    const responseUrl = h.slack.responseUrl();
    const shortcut = {
      type: 'message_action',
      callback_id: 'feedback_digest',
      trigger_id: '1.2.4',
      response_url: responseUrl,
      action_ts: '1763600002.000001',
      message_ts: ts,
      token: 'legacy',
      team: { id: 'T0TEAM', domain: 'fake' },
      user: { id: 'U0CAROL', name: 'carol' },
      channel: { id: 'C0NOTIN', name: 'notin' },
      message: { type: 'message', ts, user: 'U0BOB', text: 'private feedback' },
    };
    expect(
      (await signedRequest(h.eventsUrl, interactivityForm(shortcut), { signingSecret: SIGNING_SECRET })).status,
    ).toBe(200);
    await h.slack.waitFor(() => h.slack.responseUrlPosts.length > 0, 10_000, 'a private note');
    expect(h.slack.responseUrlPosts[0]!.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Add me to the channel') as unknown,
    });
  });

  it('a retry after a lost Slack response neither posts twice nor asks the model again', async () => {
    const parent = await startWithThread(6);
    h.slack.failNext('chat.postMessage', { error: 'fatal_error', applied: true });
    await h.mention({ channel: CH, threadTs: parent, text: '<@U0LUNA> digest' });
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').length >= 1, 10_000, 'a post');
    await h.slack.waitFor(() => h.slack.callsTo('conversations.replies').length >= 2, 10_000, 'a retry');
    await queueIdle(h);
    expect(digestsIn(h.slack, CH, parent)).toHaveLength(1);
    expect(h.anthropic.requests.filter((r) => isDigestRequest(r.body))).toHaveLength(1);
    expect(await stats('digests')).toBe(1);
  });

  it('sends a churn-risk signal in a strategic area to the escalation flow', async () => {
    const parent = await startWithThread(
      4,
      fakeDigestModel({ area: 'complex customer negotiations', confidence: 0.9 }),
    );
    await h.mention({ channel: CH, threadTs: parent, text: '<@U0LUNA> digest please' });
    await h.slack.waitFor(() => digestsIn(h.slack, CH, parent).length > 0, 15_000, 'a digest');
    await queueIdle(h);
    const [job] = await escalateJobs();
    expect(job?.data).toMatchObject({
      channel: CH,
      threadTs: parent,
      area: 'Complex customer negotiations',
      source: 'digest',
      confidence: 0.9,
      decisionNeeded: 'Whether to offer a dedicated onboarding engineer.',
    });
    expect(job!.data.evidence).toContain(`https://fake.slack.test/archives/${CH}/p`);
  });
});
