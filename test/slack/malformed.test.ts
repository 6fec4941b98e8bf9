import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log.js';
import { SIGNING_SECRET, startHarness, testConfig, TEST_ESCALATION, type Harness } from '../helpers/harness.js';
import {
  buttonClickForm,
  eventEnvelope,
  interactivityForm,
  signedRequest,
  slashCommandForm,
} from '../helpers/slack-sign.js';

/**
 * Signed requests of shapes Slack does not send — what a buggy proxy, a hand-made request or a payload shape
 * Slack introduces tomorrow looks like (issue 23). Each gets a 200 or a 4xx, never a 500 (Slack redelivers
 * those) and never a crash; nothing malformed is queued, and the log says what it was without repeating it.
 */

/** Text that must never reach the log: it stands for what a customer wrote. */
const PRIVATE = 'PRIVATE-CUSTOMER-TEXT';

let h: Harness;
let lines: Array<Record<string, unknown>>;
beforeEach(async () => {
  lines = [];
  const sink = (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>);
  h = await startHarness({
    log: createLogger('debug', {}, { out: sink, err: sink }),
    config: testConfig({ escalation: TEST_ESCALATION, customerChannels: { owners: { C0ACMESHARED: ['U0CSM1'] } } }),
  });
  h.slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
});
afterEach(async () => {
  await h.stop();
});

const send = (body: string | object, contentType?: 'json' | 'form') =>
  signedRequest(h.eventsUrl, body, { signingSecret: SIGNING_SECRET, ...(contentType ? { contentType } : {}) });
const jobCount = async () => Object.values(await h.luna.queue.getJobCounts()).reduce((a, b) => a + b, 0);
const logged = (msg: string | RegExp) =>
  lines.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));
const mention = (over: Record<string, unknown> = {}) =>
  eventEnvelope({
    type: 'app_mention',
    user: 'U0ALICE',
    text: `<@U0LUNA> ${PRIVATE}`,
    ts: '1700000000.000100',
    channel: 'C0SUPPORT',
    ...over,
  });
const click = (action: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  interactivityForm({
    type: 'block_actions',
    user: { id: 'U0CSM1', team_id: 'T0TEAM' },
    team: { id: 'T0TEAM' },
    api_app_id: 'A0LUNA',
    channel: { id: 'C0ESC' },
    message: { ts: '1700000000.000100', text: PRIVATE },
    actions: [{ type: 'button', value: 'esc-1', action_ts: '1700000001.000001', ...action }],
    ...over,
  });

describe('a body that is not a JSON object', () => {
  it('is refused 400 once its signature checks out (a signed null used to end LUNA), and unsigned it is still 401', async () => {
    const bodies: Array<[string, 'json' | 'form']> = [
      ['null', 'json'],
      ['42', 'json'],
      ['"event_callback"', 'json'],
      ['[{"type":"event_callback"}]', 'json'],
      ['payload=null', 'form'],
      ['payload=5', 'form'],
      ['payload=%5B%5D', 'form'],
      [`payload=${encodeURIComponent('{"type":"block_actions"}')}&payload=x`, 'form'],
    ];
    for (const [body, type] of bodies) expect((await send(body, type)).status, body).toBe(400);
    const unsigned = await signedRequest(h.eventsUrl, 'null', {
      signingSecret: SIGNING_SECRET,
      contentType: 'json',
      badSignature: true,
    });
    expect(unsigned.status).toBe(401);
    expect(logged('refused a signed Slack request whose body is not a JSON object')).toHaveLength(bodies.length);
    expect(logged('refused a signed Slack request whose body is not a JSON object')[0]).toMatchObject({
      shape: 'null',
    });

    // LUNA is still there, and still answers.
    h.anthropic.enqueue({ text: 'Still here.' });
    expect((await h.mention({ text: '<@U0LUNA> still there?' })).status).toBe(200);
  });
});

describe('shapes Bolt itself would throw on', () => {
  it('are acked 200 before Bolt reads them and logged once, with their shape and never their text', async () => {
    const bodies = [
      click({ action_id: 'escalation_acknowledge' }, { actions: { action_id: 'escalation_acknowledge' } }), // actions not a list
      click({ action_id: null }), // a regular-expression listener would call null.match
      click({ action_id: 'luna_feedback_reason_wrong', block_id: 42 }),
      click({ action_id: 'escalation_take' }, { user: null }),
      click({ action_id: 'escalation_take' }, { channel: null }),
      interactivityForm({ type: 'view_submission', user: { id: 'U0ALICE' }, team: { id: 'T0TEAM' } }), // no view
      interactivityForm({
        type: 'message_action',
        callback_id: 'feedback_digest',
        user: { id: 'U0ALICE' },
        view: null,
      }),
      mention({ user: null }),
      mention({ channel: 42 }),
      { ...mention(), authorizations: [null] },
      { type: 'event_callback', event: 'app_mention' },
      { type: 'something_new', text: PRIVATE },
    ];
    for (const body of bodies) expect((await send(body)).status, JSON.stringify(body).slice(0, 120)).toBe(200);
    expect(await jobCount()).toBe(0);
    const ignored = logged('ignored a Slack request LUNA cannot route');
    expect(ignored).toHaveLength(bodies.length);
    expect(ignored.map((l) => l.reason)).toContain('a block_actions payload whose actions has the wrong type');
    expect(ignored.every((l) => typeof l.shape === 'string' && l.level === 'warn')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(PRIVATE);
    expect(logged(/slack listener failed|unhandled/i)).toEqual([]);
  });
});

describe('values that are not Slack’s', () => {
  it('are dropped where they come in: nothing is queued, nothing renders, and /journey-map without text answers usage', async () => {
    const bodies: Array<string | object> = [
      mention({ text: 42 }), // text.replace is not a function
      mention({ ts: 'abc' }),
      mention({ ts: '1700000000' }),
      mention({ channel: 'C0LONE\udfff' }), // a lone surrogate: its job id would not survive Redis
      mention({ user: '<http://evil.example|click me>' }),
      mention({ user: 'U0ALICE', team: 42 }),
      mention({ thread_ts: { ts: '1' } }),
      eventEnvelope({
        type: 'message',
        channel_type: 'im',
        user: 'U0ALICE',
        text: 42,
        ts: '1700000000.000200',
        channel: 'D0ALICE',
      }),
      buttonClickForm({
        user: 'U0CSM1',
        actionId: 'escalation_take',
        value: 'esc-1',
        message: { channel: 'C0ESC', ts: '1700000000.000100' },
        actionTs: 'x'.repeat(100_000),
      }),
      buttonClickForm({
        user: '<@U0LUNA>',
        actionId: 'draft_post',
        value: 'd-1',
        message: { channel: 'D0CSM', ts: '1700000000.000100' },
      }),
    ];
    for (const body of bodies) expect((await send(body)).status).toBe(200);
    const noText = await send(slashCommandForm({ text: '' }).replace(/(^|&)text=[^&]*/, ''));
    expect(noText.status).toBe(200);
    expect(noText.body).toMatch(/journey-map/);
    expect(await jobCount()).toBe(0);
    expect(h.slack.calls.filter((c) => /^chat\./.test(c.method))).toEqual([]);
    expect(logged(/slack listener failed/)).toEqual([]);
  });
});

describe('requests no listener handles', () => {
  it('a button LUNA no longer has, an unknown shortcut, a view submission: 200 at once, not Bolt’s 404 after 3 s', async () => {
    const bodies = [
      click({ action_id: 'renamed_in_an_upgrade' }),
      interactivityForm({
        type: 'shortcut',
        callback_id: 'gone_global_shortcut',
        trigger_id: '1.2.3',
        user: { id: 'U0ALICE' },
        team: { id: 'T0TEAM' },
      }),
      interactivityForm({
        type: 'view_submission',
        user: { id: 'U0ALICE' },
        team: { id: 'T0TEAM' },
        view: { id: 'V0MODAL', callback_id: 'old_modal', state: { values: {} } },
      }),
      interactivityForm({
        type: 'view_closed',
        user: { id: 'U0ALICE' },
        team: { id: 'T0TEAM' },
        view: { id: 'V0MODAL', callback_id: 'old_modal' },
      }),
    ];
    for (const body of bodies) {
      const res = await send(body);
      expect(res.status).toBe(200); // Bolt's own answer, after its 3 s, is a 404
    }
    expect(logged('acked a Slack request no listener handles').map((l) => l.target)).toEqual([
      'renamed_in_an_upgrade',
      'gone_global_shortcut',
      'old_modal',
      'old_modal',
    ]);
    expect(logged(/not acknowledged within 3 seconds/)).toEqual([]);
    expect(await jobCount()).toBe(0);
  });
});
