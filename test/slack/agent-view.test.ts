import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUGGESTED_PROMPTS } from '../../src/personas/prompts.js';
import { outcomes, queueIdle, SIGNING_SECRET, startHarness, testConfig, type Harness } from '../helpers/harness.js';
import { eventEnvelope, signedRequest } from '../helpers/slack-sign.js';

/**
 * The DM with LUNA in Slack's agent view: opening its Messages tab (app_home_opened, tab "messages") queues a job
 * that sets the persona's suggested prompts for the DM — without thread_ts, which an agent app's call must not carry.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function openMessages(harness: Harness, user: string, channel: string) {
  harness.slack.addChannel({ id: channel, is_im: true, user });
  const event = {
    type: 'app_home_opened',
    user,
    channel,
    tab: 'messages',
    event_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
  const res = await signedRequest(harness.eventsUrl, eventEnvelope(event), { signingSecret: SIGNING_SECRET });
  expect(res.status).toBe(200);
  await queueIdle(harness);
}

describe('the Messages tab (agent view)', () => {
  it('sets the persona’s suggested prompts for the DM, shown by Slack, and publishes no dashboard', async () => {
    h = await startHarness();
    await openMessages(h, 'U0ALICE', 'D0ALICE');
    expect(h.slack.suggestedPrompts).toEqual([
      expect.objectContaining({
        channel: 'D0ALICE',
        prompts: h.settings.persona.suggestedPrompts,
        shown: true,
      }) as unknown,
    ]);
    expect(h.settings.persona.suggestedPrompts).toContainEqual(expect.objectContaining({ title: 'Read a CSAT drop' }));
    expect(h.slack.callsTo('assistant.threads.setSuggestedPrompts')[0]!.args).not.toHaveProperty('thread_ts');
    expect(h.slack.callsTo('views.publish')).toHaveLength(0);
  });

  it('offers someone of another organisation nothing', async () => {
    h = await startHarness();
    h.slack.addExternalUser({ id: 'U0ACMEDANA', team_id: 'T0ACME' });
    await openMessages(h, 'U0ACMEDANA', 'D0ACMEDANA');
    expect(h.slack.suggestedPrompts).toEqual([]);
    // The job ran to its end and decided so: it asked Slack who this is, and set nothing.
    expect(h.slack.callsTo('users.info').map((c) => c.args.user)).toContain('U0ACMEDANA');
    expect(await outcomes(h, 'messages-opened')).toEqual([{ prompts: 0 }]);
    expect(h.slack.callsTo('assistant.threads.setSuggestedPrompts')).toHaveLength(0);
  });

  it('a persona that names no prompts gets the app manifest’s', async () => {
    h = await startHarness({
      config: testConfig({ persona: 'minimal' }),
      env: { LUNA_PERSONAS_DIR: fileURLToPath(new URL('../fixtures/personas/good/', import.meta.url)) },
    });
    await openMessages(h, 'U0ALICE', 'D0ALICE');
    expect(h.slack.suggestedPrompts.map((s) => s.prompts)).toEqual([DEFAULT_SUGGESTED_PROMPTS]);
  });
});
