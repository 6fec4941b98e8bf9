/**
 * `npm run bench:signals`: signal classification of customers' messages, end to end in one process —
 * signed `message.channels` events → BullMQ (per-account windows, delayed and size-triggered batch jobs) →
 * Slack reads → one structured call per batch — on real Redis against the loopback fakes, with a scripted
 * model. Run twice on the same messages: batched (`signals.batchMessages`, default 50) and one call per
 * message (`batchMessages: 1`).
 *
 *   npm run bench:signals -- --messages 1000 --batch 50 --model-ms 200 --concurrency 25
 *
 * Prints, per mode: model calls, input and output tokens, and wall time from the first event to the last
 * batch classified, all per 1,000 customer messages.
 */
import { parseArgs } from 'node:util';
import { writeAccountBook } from '../test/helpers/account-book.js';
import { queueIdle, SIGNING_SECRET, startHarness, until, type Harness } from '../test/helpers/harness.js';
import { fakeSignalModel, isSignalRequest } from '../test/helpers/signal-model.js';
import { eventEnvelope, signedRequest } from '../test/helpers/slack-sign.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '50' },
    'model-ms': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '25' },
  },
});
const N = Number(values.messages);
const BATCH = Number(values.batch);
const MODEL_MS = Number(values['model-ms']);
const CONCURRENCY = Number(values.concurrency);
const SHARED = 'C0ACMESHARED';
const CUSTOMERS = Array.from({ length: 12 }, (_, i) => `U0ACME${String(i).padStart(2, '0')}`);

// Customer-sized messages (40–200 characters), a few carrying signals, most of them ordinary.
const PHRASES = [
  'where do I find the invoice for last month?',
  'SSO is still broken again? This is frustrating',
  'the new dashboard is great, we love it',
  'we are looking at other vendors before the renewal',
  'could we get more seats for another team?',
  'thanks, that fixed it',
  'is there an API for bulk user import?',
  'our admins cannot reset passwords since this morning',
];
const text = (i: number) =>
  `${PHRASES[i % PHRASES.length]} (${i}) ${i % 3 === 0 ? PHRASES[(i * 7) % PHRASES.length] : ''}`.trim();

interface Row {
  mode: string;
  calls: number;
  input: number;
  output: number;
  wallMs: number;
  /** Until Slack had its acks for every event (all queued in Redis). */
  ackedMs: number;
}

async function run(mode: string, batchMessages: number): Promise<Row> {
  const book = await writeAccountBook([
    { name: 'Acme Corp', slack_channels: SHARED, slack_team_id: 'T0ACME', owner: 'U0CSM1' },
  ]);
  const h: Harness = await startHarness({
    config: `persona: luna
signals:
  channels: all
  batchMinutes: 60
  batchMessages: ${batchMessages}
  dailyTokenBudget: 1000000000
queue:
  concurrency: 64
  backoffSeconds: 0.2
model:
  streamIdleTimeoutSeconds: 30
`,
    env: { LUNA_ACCOUNTS: book },
  });
  try {
    h.slack.addUser({ id: 'U0CSM1', name: 'casey' });
    h.slack.addSharedChannel({
      id: SHARED,
      name: 'acme-shared',
      externalTeam: { id: 'T0ACME', name: 'Acme Corp', domain: 'acme' },
      members: ['U0CSM1'],
      externalMembers: CUSTOMERS.map((id) => ({ id, name: id.toLowerCase() })),
    });
    h.anthropic.defaultReply = fakeSignalModel();
    h.anthropic.latencyMs = MODEL_MS;
    // Seed every message first (as if posted), then deliver their events as Slack would.
    const events = Array.from({ length: N }, (_, i) =>
      h.slack.userEvent({ type: 'message', user: CUSTOMERS[i % CUSTOMERS.length]!, channel: SHARED, text: text(i) }),
    );
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < events.length) {
          const e = events[next++]!;
          const res = await signedRequest(h.eventsUrl, eventEnvelope(e, { isExtSharedChannel: true }), {
            signingSecret: SIGNING_SECRET,
          });
          if (res.status !== 200) throw new Error(`ack answered ${res.status}`);
        }
      }),
    );
    const ackedMs = performance.now() - started;
    // Size-triggered windows run at once; the last, partial window would wait for its timer: promote it.
    await queueIdle(h, { timeoutMs: 600_000 });
    for (const job of await h.luna.queue.getDelayed()) if (job.name === 'signal-batch') await job.promote();
    const classified = async () => {
      const m = await (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();
      return Number(/luna_signal_messages_total\{outcome="classified"\} (\d+)/.exec(m)?.[1] ?? 0);
    };
    await until(async () => (await classified()) >= N, `${N} messages classified`, 600_000);
    const wallMs = performance.now() - started;
    const reqs = h.anthropic.requests.filter((r) => isSignalRequest(r.body));
    const input = reqs.reduce(
      (a, r) =>
        a +
        (r.usage ? r.usage.input_tokens + r.usage.cache_read_input_tokens + r.usage.cache_creation_input_tokens : 0),
      0,
    );
    const output = reqs.reduce((a, r) => a + (r.usage?.output_tokens ?? 0), 0);
    return { mode, calls: reqs.length, input, output, wallMs, ackedMs };
  } finally {
    await h.stop();
  }
}

async function main() {
  const rows = [await run(`batched (batchMessages ${BATCH})`, BATCH), await run('one call per message', 1)];
  const per = (x: number) => Math.round((x * 1000) / N);
  const head = ['mode', 'model calls', 'input tokens', 'output tokens', 'wall time', 'of which acking the events'];
  const cells = rows.map((r) => [
    r.mode,
    per(r.calls).toLocaleString('en-US'),
    per(r.input).toLocaleString('en-US'),
    per(r.output).toLocaleString('en-US'),
    `${((r.wallMs * 1000) / N / 1000).toFixed(2)} s`,
    `${((r.ackedMs * 1000) / N / 1000).toFixed(2)} s`,
  ]);
  const widths = head.map((t, i) => Math.max(t.length, ...cells.map((c) => c[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(
    `\nSignals bench — ${N.toLocaleString('en-US')} customer messages, fake model (${MODEL_MS} ms per call), figures per 1,000 messages\n`,
  );
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  const [b, one] = rows;
  console.log(
    `\nBatching: ${(one!.calls / Math.max(1, b!.calls)).toFixed(0)}× fewer model calls and ${(one!.input / Math.max(1, b!.input)).toFixed(1)}× fewer input tokens (the ~600-token instructions are paid once per batch, not once per message).`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
