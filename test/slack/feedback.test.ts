import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackMessage } from '../fakes/slack-server.js';
import {
  answersIn,
  jobsFinished,
  outcomes,
  queueIdle,
  SIGNING_SECRET,
  startHarness,
  type Harness,
} from '../helpers/harness.js';
import { metricSum, scrape } from '../helpers/luna-procs.js';
import { ephemeralButtonClickForm, eventEnvelope, feedbackClickForm, signedRequest } from '../helpers/slack-sign.js';

/**
 * Feedback on every answer, over the wire: Slack's feedback buttons on the answer's last message, a click
 * counted once per person per answer, a thumbs-down asking why, and the Home tab and /metrics showing it.
 */

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  for (const id of ['U0BOB', 'U0CAROL']) h.slack.addUser({ id, name: id.slice(2).toLowerCase() });
});
afterEach(async () => {
  await h.stop();
});

const C = 'C0SUPPORT';

interface FeedbackButtons {
  positive_button: { value: string };
  negative_button: { value: string };
}
function buttonsOf(m: SlackMessage): FeedbackButtons {
  const block = (m.blocks as Array<{ type: string; elements: FeedbackButtons[] }>).find(
    (b) => b.type === 'context_actions',
  )!;
  return block.elements[0]!;
}

async function answered(): Promise<{ question: string; answer: SlackMessage; buttons: FeedbackButtons }> {
  h.anthropic.enqueue({ text: 'Call the sponsor this week.' });
  const res = await h.mention({});
  await queueIdle(h);
  const answer = answersIn(h.slack, C, res.ts)[0]!;
  return { question: res.ts, answer, buttons: buttonsOf(answer) };
}

let clicks = 0;
async function vote(user: string, messageTs: string, value: string, teamId?: string) {
  const form = feedbackClickForm({
    user,
    channel: C,
    messageTs,
    value,
    actionTs: `1800000000.${String(++clicks).padStart(6, '0')}`,
    ...(teamId ? { teamId } : {}),
  });
  expect((await signedRequest(h.eventsUrl, form, { signingSecret: SIGNING_SECRET })).status).toBe(200);
}

describe('feedback buttons on answers', () => {
  it('a click counts once per person per answer; a thumbs-down asks why, and the reason counts once', async () => {
    const { answer, buttons } = await answered();
    // Bob presses thumbs-up twice, then changes his mind; Carol presses thumbs-down.
    await vote('U0BOB', answer.ts, buttons.positive_button.value);
    await vote('U0BOB', answer.ts, buttons.positive_button.value);
    await vote('U0BOB', answer.ts, buttons.negative_button.value);
    await vote('U0CAROL', answer.ts, buttons.negative_button.value);
    await queueIdle(h);

    // Only Carol, whose thumbs-down counted, is asked why — privately, in the answer's thread.
    expect(h.slack.ephemerals.map((e) => [e.user, e.thread_ts])).toEqual([['U0CAROL', answer.thread_ts]]);
    const ask = h.slack.ephemerals[0]!;
    const reasons = (
      ask.blocks as Array<{
        type: string;
        elements?: Array<{ action_id: string; value: string; text: { text: string } }>;
      }>
    ).find((b) => b.type === 'actions')!.elements!;
    expect(reasons.map((r) => r.text.text)).toEqual(['Wrong', 'Not helpful', 'Unsafe', 'Other']);
    const url = h.slack.responseUrl();
    for (let i = 0; i < 2; i++) {
      const form = ephemeralButtonClickForm({
        user: 'U0CAROL',
        channel: C,
        messageTs: ask.message_ts,
        actionId: reasons[0]!.action_id,
        value: reasons[0]!.value,
        responseUrl: url,
      });
      expect((await signedRequest(h.eventsUrl, form, { signingSecret: SIGNING_SECRET })).status).toBe(200);
    }
    await queueIdle(h);
    expect(h.slack.responseUrlPosts.at(-1)!.body).toMatchObject({
      replace_original: true,
      text: expect.stringContaining('noted as *wrong*') as string,
    });

    const metrics = await scrape(h.luna.port);
    expect(metricSum(metrics, 'luna_answer_feedback_total', { value: 'positive' })).toBe(1);
    expect(metricSum(metrics, 'luna_answer_feedback_total', { value: 'negative' })).toBe(1);
    expect(await h.luna.queue.getJobCounts('failed')).toEqual({ failed: 0 });

    // Aggregates only: no user ID in what is kept about votes.
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const keys = await redis.keys(`${h.prefix}:state:feedback:*`);
      expect(keys.length).toBeGreaterThan(0);
      const values = await Promise.all(
        keys.map(async (k): Promise<unknown> => ((await redis.type(k)) === 'hash' ? redis.hgetall(k) : redis.get(k))),
      );
      const kept = JSON.stringify([keys, values]);
      expect(kept).not.toMatch(/U0BOB|U0CAROL/);
      expect(kept).toContain('"reason_wrong":"1"');
    } finally {
      redis.disconnect();
    }

    // The Home tab shows it beside the KPIs: 1 up of 2 ratings.
    const open = eventEnvelope({
      type: 'app_home_opened',
      user: 'U0BOB',
      channel: 'D0BOB',
      tab: 'home',
      event_ts: '1800000001.000001',
    });
    await signedRequest(h.eventsUrl, open, { signingSecret: SIGNING_SECRET });
    await h.slack.waitFor(() => h.slack.views.has('U0BOB'), 10_000, 'the Home tab');
    const home = JSON.stringify(h.slack.views.get('U0BOB')!.view);
    expect(home).toContain('*Answer helpfulness* — *50%* thumbs-up · 2 ratings in the last 8 weeks');
    expect(home).toContain('Measured from feedback buttons');
  });

  it('someone of another organisation cannot vote, and a click from any other message counts nothing', async () => {
    const { question, answer, buttons } = await answered();
    // The channel is shared with a customer after the answer: its buttons are now in front of them too.
    h.slack.shareChannel(C, { id: 'T0ACME', name: 'Acme Corp', domain: 'acme' }, [{ id: 'U0ACMEDANA', name: 'dana' }]);
    await vote('U0ACMEDANA', answer.ts, buttons.positive_button.value, 'T0ACME');
    await vote('U0BOB', question, buttons.negative_button.value); // the answer's value, replayed on another message
    await jobsFinished(h, 3);
    await queueIdle(h);
    expect(h.slack.ephemerals.map((e) => [e.user, e.text])).toEqual([
      ['U0ACMEDANA', expect.stringMatching(/Only this workspace's own team/) as string],
    ]);
    const metrics = await scrape(h.luna.port);
    expect(metricSum(metrics, 'luna_answer_feedback_total')).toBe(0);
    // The two click jobs ran and refused, each for its reason (they run side by side, so in either order).
    const refused = await outcomes(h, 'feedback');
    expect(refused).toHaveLength(2);
    expect(refused).toEqual(
      expect.arrayContaining([
        { counted: false, why: 'external' },
        { counted: false, why: 'not_the_answer' },
      ]),
    );
  });
});
