/**
 * `npm run bench:digest` (also part of `npm run bench`): feedback digests of 100, 1,000 and 5,000-message
 * threads, end to end — signed `@luna digest` → BullMQ → Slack reads → map-reduce → Block Kit post — on
 * real Redis against the loopback fakes, with a scripted model.
 *
 *   npm run bench:digest -- --sizes 100,1000,5000 --model-ms 0 --budget 60000
 *
 * Prints, per thread size: model calls (parts + merges), input tokens sent to the model (cached and
 * uncached), output tokens, input tokens per message (flat = linear growth) and wall time.
 */
import { parseArgs } from 'node:util';
import type { SlackMessage } from '../test/fakes/slack-server.js';
import { fakeDigestModel, isDigestRequest } from '../test/helpers/digest-model.js';
import { startHarness } from '../test/helpers/harness.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,5000' },
    'model-ms': { type: 'string', default: '0' },
    /** model.threadTokenBudget: tokens of messages per call (smaller = more parts and merge levels). */
    budget: { type: 'string', default: '60000' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const MODEL_MS = Number(values['model-ms']);
const BUDGET = Number(values.budget);
const CH = 'C0BENCH';

// Customer-feedback-sized messages (60–260 characters), varied so no two are alike.
const PHRASES = [
  'SSO setup took three weeks and our admins are frustrated',
  'the new dashboard is great, the team loves the export',
  'we might look at other vendors before the renewal in March',
  'support answered within the hour, thank you',
  'please add bulk user import, onboarding 400 seats by hand is painful',
  'billing page shows the wrong seat count again',
];
const text = (i: number) =>
  `#${i}: ${Array.from({ length: 1 + (i % 4) }, (_, k) => PHRASES[(i + k) % PHRASES.length]).join('; ')}.`;

function isDigest(m: SlackMessage): boolean {
  const p = m.metadata?.event_payload as { job_id?: string; part?: unknown } | undefined;
  return String(p?.job_id).startsWith('digest-') && typeof p?.part === 'number';
}

async function main() {
  const h = await startHarness({
    config: `persona: luna\nqueue:\n  backoffSeconds: 0.2\nmodel:\n  streamIdleTimeoutSeconds: 30\n  threadTokenBudget: ${BUDGET}\n`,
  });
  h.anthropic.defaultReply = fakeDigestModel({ themes: 8, actions: 5 });
  h.anthropic.latencyMs = MODEL_MS;
  h.slack.addChannel({ id: CH, name: 'bench-feedback' });
  const rows: string[][] = [];
  try {
    for (const n of SIZES) {
      const parent = h.slack.addMessage(CH, { user: 'U0BOB', text: text(0) });
      for (let i = 1; i < n - 1; i++)
        h.slack.addMessage(CH, { user: `U0C${i % 40}`, text: text(i), thread_ts: parent });
      h.anthropic.reset();
      h.slack.reset();
      const started = performance.now();
      // The request itself is the thread's n-th message.
      const res = await h.mention({ channel: CH, threadTs: parent, text: '<@U0LUNA> digest' });
      if (res.status !== 200) throw new Error(`ack answered ${res.status}`);
      await h.slack.waitFor(() => h.slack.botMessages(CH, parent).some(isDigest), 600_000, `a digest of ${n} messages`);
      const wall = performance.now() - started;

      const reqs = h.anthropic.requests.filter((r) => isDigestRequest(r.body));
      const parts = reqs.filter((r) => JSON.stringify(r.body.messages).includes('Transcript:')).length;
      const input = reqs.reduce(
        (a, r) =>
          a +
          (r.usage ? r.usage.input_tokens + r.usage.cache_read_input_tokens + r.usage.cache_creation_input_tokens : 0),
        0,
      );
      const cached = reqs.reduce((a, r) => a + (r.usage?.cache_read_input_tokens ?? 0), 0);
      const output = reqs.reduce((a, r) => a + (r.usage?.output_tokens ?? 0), 0);
      const reads = h.slack.callsTo('conversations.replies').length;
      const thread = h.slack.thread(CH, parent).length - h.slack.botMessages(CH, parent).length;
      rows.push([
        String(thread),
        `${reqs.length} (${parts} parts + ${reqs.length - parts} merges)`,
        input.toLocaleString('en-US'),
        cached.toLocaleString('en-US'),
        output.toLocaleString('en-US'),
        String(Math.round(input / thread)),
        String(reads),
        `${(wall / 1000).toFixed(2)} s`,
      ]);
    }
  } finally {
    await h.stop();
  }
  const head = [
    'messages',
    'model calls',
    'input tokens',
    'of which cache reads',
    'output tokens',
    'input/msg',
    'replies pages',
    'wall time',
  ];
  const widths = head.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(
    `\nFeedback digest bench — fake model (${MODEL_MS} ms per call), ${BUDGET.toLocaleString('en-US')}-token budget of messages per call\n`,
  );
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log(
    '\nEvery message is sent to the model exactly once (map); partial digests are merged in budget-sized groups (reduce).',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
