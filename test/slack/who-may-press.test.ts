import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EscalationStore } from '../../src/stores/escalations.js';
import { StatsRecorder, type CounterName } from '../../src/stores/stats.js';
import type { SlackMessage } from '../fakes/slack-server.js';
import { fakeDigestModel, isDigestRequest } from '../helpers/digest-model.js';
import {
  outcomes,
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  TEST_ESCALATION,
  testConfig,
  type Harness,
} from '../helpers/harness.js';
import { buttonClickForm, eventEnvelope, signedRequest } from '../helpers/slack-sign.js';
import type { RequestBody } from '../fakes/anthropic-server.js';
import type { EscalationTimer } from '../../src/contracts/jobs.js';
import { ACME } from '../helpers/acme.js';

/**
 * Who may press what, over the wire: signed clicks into the real Bolt receiver, the fake Slack, real Redis.
 * Escalation buttons are for the area's owners and the fallback; Done buttons and the Home dashboard for
 * the workspace's own people; and a click counts only on the message LUNA posted it in.
 */

const CONFIG = testConfig({
  escalation: { ...TEST_ESCALATION, acknowledgeWithinMinutes: 30 },
  model: { streamIdleTimeoutSeconds: 2 },
  queue: { attempts: 3 },
});
const ANN = { id: 'U0ACMEANN', name: 'ann' }; // a customer, of Acme's own workspace

const redis = new Redis(process.env.REDIS_URL!);
let h: Harness;
afterEach(async () => {
  await h?.stop();
});
afterAll(() => redis.disconnect());

/** Assessments escalate to `area` (null: nothing strategic); digests come from the scripted digest model. */
function scriptModel(area: string | null) {
  const digest = fakeDigestModel({ actions: 2 });
  h.anthropic.defaultReply = {
    handler: (body: RequestBody) => {
      if (isDigestRequest(body)) return digest.handler(body);
      if (!body.output_config) return { text: 'Here is how I would approach it.' };
      return {
        text: JSON.stringify({
          outOfScope: false,
          strategic: area !== null,
          area: area ?? 'none',
          confidence: 0.92,
          rationale: 'A decision for the humans who own it.',
          customerWants: 'A 30% discount to renew.',
          decisionNeeded: 'Whether to offer it.',
          risk: 'A $400k renewal.',
        }),
      };
    },
  };
}

async function start() {
  h = await startHarness({ config: CONFIG });
  for (const [id, name] of [
    ['C0ESC', 'cs-escalations'],
    ['C0SUPPORT', 'support'],
    ['C0FEEDBACK', 'feedback'],
    ['C0PRODUCT', 'product-feedback'],
  ] as const) {
    h.slack.addChannel({ id, name });
  }
  for (const id of ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0456EFGH', 'U0CSLEAD', 'U0EXEC1'])
    h.slack.addUser({ id, name: id.slice(2).toLowerCase() });
}

const escalations = () => new EscalationStore(redis, h.prefix);
const counter = async (name: CounterName) => (await new StatsRecorder(redis, h.prefix).weekly(name, 1))[0]!.value;
const updatesIn = (channel: string) => h.slack.callsTo('chat.update').filter((c) => c.args.channel === channel).length;
const ephemeralsTo = (user: string, channel: string) =>
  h.slack
    .visibleTo(user, channel)
    .filter((m) => m.kind === 'ephemeral')
    .map((m) => m.text);
const hasButtons = (m: SlackMessage) => (m.blocks as Array<{ type: string }>).some((b) => b.type === 'actions');
const metrics = async () => (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();

/** A mention the model assesses as strategic in `area`: LUNA posts the escalation in C0ESC. */
async function escalate(area: string) {
  scriptModel(area);
  await h.mention({ text: '<@U0LUNA> Acme wants 30% off to renew, what do we do?' });
  await queueIdle(h);
  const post = h.slack.botMessages('C0ESC').find((m) => m.metadata?.event_type === 'luna_escalation')!;
  const id = (post.metadata!.event_payload as { escalation_id: string }).escalation_id;
  return { post, id };
}

let clicks = 0;
/** A signed click on an escalation button, from `where` (the post itself unless said otherwise). */
async function press(o: {
  user: string;
  teamId?: string;
  button: 'acknowledge' | 'take' | 'not_strategic';
  id: string;
  where: { channel: string; ts: string };
}) {
  const res = await signedRequest(
    h.eventsUrl,
    buttonClickForm({
      user: o.user,
      ...(o.teamId ? { teamId: o.teamId } : {}),
      actionId: `escalation_${o.button}`,
      blockId: `escalation:${o.id}`,
      value: o.id,
      message: { channel: o.where.channel, ts: o.where.ts },
      actionTs: `1763600100.${String(++clicks).padStart(6, '0')}`,
    }),
    { signingSecret: SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  await queueIdle(h);
}

/** A thread digest of `channel` (via `@luna digest`); returns the posted digest message. */
async function digestOf(channel: string): Promise<SlackMessage> {
  scriptModel(null);
  const parent = h.slack.addMessage(channel, { user: 'U0BOB', text: 'Acme says onboarding is slow' });
  for (let i = 1; i <= 3; i++)
    h.slack.addMessage(channel, { user: 'U0CAROL', text: `note ${i} about SSO and support`, thread_ts: parent });
  await h.mention({ channel, threadTs: parent, text: '<@U0LUNA> digest' });
  await h.slack.waitFor(() => digestIn(channel, parent) !== undefined, 15_000, `a digest in ${channel}`);
  await queueIdle(h);
  return digestIn(channel, parent)!;
}

const digestIn = (channel: string, parent: string) =>
  h.slack
    .botMessages(channel, parent)
    .find((m) => String((m.metadata?.event_payload as { job_id?: string })?.job_id).startsWith('digest-'));

const doneButton = (m: SlackMessage, i: number) =>
  (m.blocks as Array<{ block_id?: string; accessory?: { value: string } }>).find((b) => b.block_id === `action-${i}`)
    ?.accessory;

async function pressDone(o: {
  user: string;
  teamId?: string;
  value: string;
  where: SlackMessage & { channel?: string };
  channel: string;
}) {
  const res = await signedRequest(
    h.eventsUrl,
    buttonClickForm({
      user: o.user,
      ...(o.teamId ? { teamId: o.teamId } : {}),
      actionId: 'digest_action_done',
      blockId: 'action-0',
      value: o.value,
      message: { channel: o.channel, ts: o.where.ts, body: o.where },
      actionTs: `1763600200.${String(++clicks).padStart(6, '0')}`,
    }),
    { signingSecret: SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  await queueIdle(h);
}

describe('escalation buttons: the area owners and the fallback only', () => {
  it("a customer's Acknowledge changes nothing and gets a private note — even when an owning user group lists them", async () => {
    await start();
    // An admin slip: the customer's contact ended up in the group that owns executive relationships…
    h.slack.setUsergroup({ id: 'S0EXECTEAM', handle: 'exec-team', users: ['U0EXEC1', ANN.id] });
    const { post, id } = await escalate('Executive customer relationships');
    // …and the escalation channel got shared with the customer's workspace.
    h.slack.shareChannel('C0ESC', ACME, [ANN]);
    const updates = updatesIn('C0ESC');

    await press({ user: ANN.id, teamId: ACME.id, button: 'acknowledge', id, where: { channel: 'C0ESC', ts: post.ts } });

    expect(ephemeralsTo(ANN.id, 'C0ESC')).toEqual([
      expect.stringContaining('Only the owners of Executive customer relationships can acknowledge this escalation'),
    ]);
    expect((await escalations().get(id))!.status).toBe('open');
    expect(updatesIn('C0ESC')).toBe(updates);
    expect(hasButtons(h.slack.message('C0ESC', post.ts)!)).toBe(true);
    expect(await counter('escalations_acknowledged')).toBe(0);
    expect(await metrics()).not.toMatch(/luna_escalations_total\{outcome="acknowledged"\}/);
  });

  it("an internal non-owner's Not strategic changes nothing (still open, reminders still due); the fallback's does", async () => {
    await start();
    const { post, id } = await escalate('Complex customer negotiations');
    const updates = updatesIn('C0ESC');

    await press({ user: 'U0ALICE', button: 'not_strategic', id, where: { channel: 'C0ESC', ts: post.ts } });

    expect(ephemeralsTo('U0ALICE', 'C0ESC')).toEqual([
      expect.stringContaining(
        'Only the owners of Complex customer negotiations can mark this escalation not strategic',
      ),
    ]);
    const record = (await escalations().get(id))!;
    expect(record.status).toBe('open');
    expect(record.handledBy).toBeUndefined();
    expect((await escalations().counts(Date.now())).open).toBe(1);
    const timers = (await h.luna.queue.getJobs(['delayed'])).filter(
      (j) => j?.name === 'escalation-timer' && (j.data as EscalationTimer).id === id,
    );
    expect(timers.map((j) => (j.data as EscalationTimer).stage)).toEqual(['remind']);
    expect(updatesIn('C0ESC')).toBe(updates);
    expect(await counter('escalations_not_strategic')).toBe(0);
    expect(await metrics()).not.toMatch(/luna_escalations_total\{outcome="not_strategic"\}/);

    // The fallback (escalation.fallback) may press it.
    await press({ user: 'U0CSLEAD', button: 'not_strategic', id, where: { channel: 'C0ESC', ts: post.ts } });
    expect((await escalations().get(id))!).toMatchObject({ status: 'not_strategic', handledBy: 'U0CSLEAD' });
    expect(await counter('escalations_not_strategic')).toBe(1);
    expect(ephemeralsTo('U0CSLEAD', 'C0ESC')).toEqual([]);
  });

  it('a member of an owning user group can acknowledge (usergroups.users.list)', async () => {
    await start();
    h.slack.setUsergroup({ id: 'S0EXECTEAM', handle: 'exec-team', users: ['U0EXEC1'] });
    const { post, id } = await escalate('Executive customer relationships');

    await press({ user: 'U0EXEC1', button: 'acknowledge', id, where: { channel: 'C0ESC', ts: post.ts } });

    expect(h.slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toContain('S0EXECTEAM');
    expect((await escalations().get(id))!).toMatchObject({ status: 'acknowledged', handledBy: 'U0EXEC1' });
    const updated = h.slack.message('C0ESC', post.ts)!;
    expect(JSON.stringify(updated.blocks)).toMatch(/Acknowledged by <@U0EXEC1>/);
    expect(hasButtons(updated)).toBe(false);
    expect(await counter('escalations_acknowledged')).toBe(1);
    expect(ephemeralsTo('U0EXEC1', 'C0ESC')).toEqual([]);
  });

  it("a click that did not come from the escalation's own post changes nothing, even the owner's", async () => {
    await start();
    const { post, id } = await escalate('Complex customer negotiations');
    const other = h.slack.addMessage('C0ESC', { user: 'U0BOB', text: 'unrelated message in the escalation channel' });
    const updates = h.slack.callsTo('chat.update').length;

    await press({ user: 'U0456EFGH', button: 'acknowledge', id, where: { channel: 'C0ESC', ts: other } }); // another message
    await press({ user: 'U0456EFGH', button: 'take', id, where: { channel: 'C0SUPPORT', ts: post.ts } }); // another channel

    expect((await escalations().get(id))!.status).toBe('open');
    expect(h.slack.callsTo('chat.update')).toHaveLength(updates);
    expect(h.slack.ephemerals).toEqual([]);
    expect(await counter('escalations_acknowledged')).toBe(0);
    expect(await outcomes(h, 'escalation-action')).toEqual([
      { changed: false, refused: 'elsewhere' },
      { changed: false, refused: 'elsewhere' },
    ]);

    // The same owner's click on the post itself works.
    await press({ user: 'U0456EFGH', button: 'acknowledge', id, where: { channel: 'C0ESC', ts: post.ts } });
    expect((await escalations().get(id))!.status).toBe('acknowledged');
  });
});

describe('digest Done buttons: the workspace’s own people, on the digest’s own messages', () => {
  it("a customer's Done changes nothing and gets a private note; a colleague's then counts", async () => {
    await start();
    const digest = await digestOf('C0FEEDBACK');
    h.slack.shareChannel('C0FEEDBACK', ACME, [ANN]); // the feedback channel became a Slack Connect channel
    const value = doneButton(digest, 0)!.value;

    await pressDone({ user: ANN.id, teamId: ACME.id, value, where: digest, channel: 'C0FEEDBACK' });

    expect(ephemeralsTo(ANN.id, 'C0FEEDBACK')).toEqual([
      expect.stringContaining("Only members of this workspace's own team can mark digest actions done"),
    ]);
    expect(updatesIn('C0FEEDBACK')).toBe(0);
    expect(doneButton(h.slack.message('C0FEEDBACK', digest.ts)!, 0)).toBeDefined();
    expect(await counter('action_items_done')).toBe(0);

    await pressDone({ user: 'U0CAROL', value, where: digest, channel: 'C0FEEDBACK' });
    expect(JSON.stringify(h.slack.message('C0FEEDBACK', digest.ts)!.blocks)).toContain('Done by <@U0CAROL>');
    expect(await counter('action_items_done')).toBe(1);
  });

  it("a forged Done carrying another channel's digest id rewrites no message and marks nothing", async () => {
    await start();
    const feedback = await digestOf('C0FEEDBACK');
    const product = await digestOf('C0PRODUCT');
    const feedbackValue = doneButton(feedback, 0)!.value;
    const productBefore = h.slack.message('C0PRODUCT', product.ts)!;
    const parent = h.slack.messages('C0FEEDBACK')[0]!;

    // C0FEEDBACK's digest id, clicked on C0PRODUCT's digest; and on a message of its own channel that is not the digest.
    await pressDone({ user: 'U0CAROL', value: feedbackValue, where: product, channel: 'C0PRODUCT' });
    await pressDone({ user: 'U0CAROL', value: feedbackValue, where: parent, channel: 'C0FEEDBACK' });

    expect(h.slack.callsTo('chat.update')).toHaveLength(0);
    expect(h.slack.message('C0PRODUCT', product.ts)).toEqual(productBefore);
    expect(doneButton(h.slack.message('C0FEEDBACK', feedback.ts)!, 0)).toBeDefined();
    expect(await counter('action_items_done')).toBe(0);
    expect(await outcomes(h, 'digest-done')).toEqual([
      { counted: false, refused: 'elsewhere' },
      { counted: false, refused: 'elsewhere' },
    ]);
  });

  it('a Done on a digest posted before LUNA recorded its messages is not marked, and the clicker is told why', async () => {
    await start();
    const digest = await digestOf('C0FEEDBACK');
    const value = doneButton(digest, 0)!.value;
    const id = (JSON.parse(value) as { d: string }).d;
    await redis.del(`${h.prefix}:state:digest:posted:${id}`); // as for a digest from before the record existed

    await pressDone({ user: 'U0CAROL', value, where: digest, channel: 'C0FEEDBACK' });

    expect(ephemeralsTo('U0CAROL', 'C0FEEDBACK')).toEqual([
      expect.stringContaining('can no longer be marked done here'),
    ]);
    expect(updatesIn('C0FEEDBACK')).toBe(0);
    expect(await counter('action_items_done')).toBe(0);
  });
});

describe('App Home for someone of another organisation', () => {
  it('shows a short note and no team figure: nothing is read, drawn or uploaded for them', async () => {
    await start();
    h.slack.addSharedChannel({
      id: 'C0ACMESHARED',
      name: 'acme-shared',
      externalTeam: ACME,
      externalMembers: [ANN],
      members: ['U0ALICE'],
    });
    const stats = new StatsRecorder(redis, h.prefix);
    await stats.incr('escalations_opened', 3);
    await stats.incr('answers', 7);
    await stats.observe('csat', 4.2);
    const open = async (user: string) => {
      const event = {
        type: 'app_home_opened',
        user,
        channel: `D0${user.slice(2)}`,
        tab: 'home',
        event_ts: `${(Date.now() / 1000).toFixed(6)}`,
      };
      expect((await signedRequest(h.eventsUrl, eventEnvelope(event), { signingSecret: SIGNING_SECRET })).status).toBe(
        200,
      );
    };
    const published = (user: string) =>
      h.slack.callsTo('views.publish').filter((c) => c.response?.ok && c.args.user_id === user);

    await open(ANN.id);
    await h.slack.waitFor(() => published(ANN.id).length === 1, 10_000, "the customer's Home");
    await queueIdle(h);
    const view = published(ANN.id)[0]!.args.view as { type: string; blocks: Array<{ type: string }> };
    const text = JSON.stringify(view);
    expect(view.type).toBe('home');
    expect(text).toContain("a dashboard for this workspace's own team");
    expect(text).not.toMatch(/CSAT|KPI|Escalation|Open now|Answers|target|\b[347]\b|4\.2/);
    expect(view.blocks.some((b) => b.type === 'image')).toBe(false);
    expect(h.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);
    expect(await redis.keys(`${h.prefix}:state:home:*`)).toEqual([]);

    // A colleague opening Home gets the figures.
    await open('U0ALICE');
    await h.slack.waitFor(() => published('U0ALICE').length === 1, 10_000, "a colleague's Home");
    expect(JSON.stringify(published('U0ALICE')[0]!.args.view)).toContain('*Open now*');
  });
});
