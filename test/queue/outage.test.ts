import { afterEach, describe, expect, it } from 'vitest';
import type { FakeReply } from '../fakes/anthropic-server.js';
import { createLogger } from '../../src/infra/log.js';
import { answersIn, jobsFinished, startHarness, testConfig, UNLIMITED, type Harness } from '../helpers/harness.js';

/**
 * The AI service down for a while (every request answered 529), then back: LUNA waits it out, one probe
 * at a time, instead of spending its attempts and apologising while the service is still down.
 */
let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** 529 for every request until `ms` from now, then a normal answer. */
function outageFor(ms: number): { until: number; reply: { handler: () => FakeReply } } {
  const until = Date.now() + ms;
  return {
    until,
    reply: { handler: () => (Date.now() < until ? { status: 529 } : { text: 'Answer once the service is back.' }) },
  };
}

const notes = (ts: string) =>
  h.slack
    .botMessages('C0SUPPORT', ts)
    .filter((m) => (m.metadata?.event_payload as { part?: unknown })?.part === 'still-working');
const apologies = (ts: string) =>
  h.slack
    .botMessages('C0SUPPORT', ts)
    .filter((m) => (m.metadata?.event_payload as { part?: unknown })?.part === 'apology');

describe('an AI-service outage', () => {
  it('is waited out: every mention answered once after it, no apology, and few requests while it lasts', async () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    // Not about limits: one person sends all ten (UNLIMITED).
    h = await startHarness({
      config: testConfig({ model: { giveUpAfterMinutes: 1, outageProbeSeconds: 0.2 }, limits: UNLIMITED }),
      log,
    });
    const outage = outageFor(3_000);
    h.anthropic.defaultReply = outage.reply;
    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, i) => h.mention({ text: `<@U0LUNA> question ${i}` })),
    );
    const counts = await jobsFinished(h, 10, 30_000);
    expect(counts.completed).toBe(10);
    for (const m of sent) {
      expect(answersIn(h.slack, 'C0SUPPORT', m.ts).map((a) => a.text)).toEqual(['Answer once the service is back.']);
      expect(apologies(m.ts)).toHaveLength(0);
    }
    // Failed requests (no usage billed) are the ones the outage answered: the ten first tries, then one probe
    // at a time with a doubling pause — at most 2 per waiting mention. Then exactly one answer call each.
    const failed = h.anthropic.requests.filter((r) => !r.usage).length;
    expect(failed).toBeLessThanOrEqual(2 * sent.length);
    expect(h.anthropic.requests.length - failed).toBe(sent.length);
    // The operator reads one line when the outage starts and one when it ends, not one per request or probe.
    const said = (msg: string) => lines.filter((l) => (JSON.parse(l) as { msg: string }).msg.startsWith(msg)).length;
    expect([said('AI service unavailable or rate-limited'), said('the AI service answers again')]).toEqual([1, 1]);
  });

  it('someone waiting longer than stillWorkingNoteSeconds gets one note, then the answer', async () => {
    h = await startHarness({
      config: testConfig({ model: { giveUpAfterMinutes: 1, outageProbeSeconds: 0.2, stillWorkingNoteSeconds: 1 } }),
    });
    h.anthropic.defaultReply = outageFor(3_500).reply;
    const m = await h.mention({ text: '<@U0LUNA> are you there?' });
    await jobsFinished(h, 1, 30_000);
    expect(notes(m.ts).map((n) => n.text)).toEqual([
      "The AI service is busy right now; I'll answer here as soon as it's back.",
    ]);
    expect(answersIn(h.slack, 'C0SUPPORT', m.ts).map((a) => a.text)).toContain('Answer once the service is back.');
  });

  it('that outlasts giveUpAfterMinutes ends in the apology', async () => {
    h = await startHarness({ config: testConfig({ model: { giveUpAfterMinutes: 0.05, outageProbeSeconds: 0.2 } }) });
    h.anthropic.defaultReply = { status: 529 };
    const started = Date.now();
    const m = await h.mention({ text: '<@U0LUNA> still down?' });
    await jobsFinished(h, 1, 30_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000); // not before the 3 s it was told to wait
    expect(apologies(m.ts)).toHaveLength(1);
  });
});

describe('the working indicator', () => {
  it('goes up as soon as the mention is queued, even when no worker is running yet', async () => {
    h = await startHarness({ env: { LUNA_ROLE: 'web' } });
    const m = await h.mention({ text: '<@U0LUNA> a question for the backlog' });
    const asked = Date.now();
    await h.slack.waitForCall('reactions.add', (c) => c.args.timestamp === m.ts, 1_000);
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(h.slack.message('C0SUPPORT', m.ts)!.reactions?.map((r) => r.name)).toEqual(['hourglass_flowing_sand']);
  });
});
