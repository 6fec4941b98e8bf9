/**
 * `npm run bench`: LUNA in HTTP mode on real Redis against the loopback fakes, measuring what users feel.
 *
 *   npm run bench -- --mentions 100 --rate 50 --model-ms 1500
 *
 * Prints ack latency (p50/p99/max) for signed Slack requests, answered-once and duplicate counts, wall
 * time against the ideal, peak RSS, the prompt-cache share on repeat calls, and the time-to-first-token
 * versus time-to-complete of a streamed answer (the numbers behind "post once, don't stream").
 */
import { parseArgs } from 'node:util';
import { answersIn, startHarness } from '../test/helpers/harness.js';

const { values } = parseArgs({
  options: {
    mentions: { type: 'string', default: '100' },
    rate: { type: 'string', default: '50' },
    'model-ms': { type: 'string', default: '1500' },
  },
});
const N = Number(values.mentions);
const RATE = Number(values.rate);
const MODEL_MS = Number(values['model-ms']);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main() {
  const h = await startHarness({
    config: `queue:\n  concurrency: ${Math.max(16, N)}\n  backoffSeconds: 0.2\nmodel:\n  streamIdleTimeoutSeconds: 30\n`,
  });
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  try {
    // A realistic answer: ~1,200 characters, streamed in 40-char chunks over MODEL_MS.
    const answer = `**Recommendation:** ${'Re-engage the executive sponsor with a value review before renewal. '.repeat(17)}`;
    const chunks = Math.ceil(answer.length / 40);
    h.anthropic.defaultReply = { text: answer, chunkChars: 40, chunkDelayMs: Math.round((MODEL_MS * 0.8) / chunks) };
    h.anthropic.latencyMs = Math.round(MODEL_MS * 0.2);

    const acks: number[] = [];
    const sent: string[] = [];
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(
        h.mention({ text: `<@U0LUNA> question ${i}: how do we lift onboarding CSAT?`, eventId: `EvBench${i}` }).then((r) => {
          if (r.status !== 200) throw new Error(`ack ${i} answered ${r.status}`);
          acks.push(r.ms);
          sent.push(r.ts);
        }),
      );
    }
    await Promise.all(inFlight);
    const deadline = Date.now() + 120_000;
    while (sent.some((ts) => answersIn(h.slack, 'C0SUPPORT', ts).length === 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const wall = performance.now() - started;
    const answered = sent.filter((ts) => answersIn(h.slack, 'C0SUPPORT', ts).length === 1).length;
    const duplicated = sent.filter((ts) => answersIn(h.slack, 'C0SUPPORT', ts).length > 1).length;

    const usages = h.anthropic.requests.map((r) => r.usage).filter((u): u is NonNullable<typeof u> => Boolean(u));
    const repeat = usages.slice(1);
    const read = repeat.reduce((a, u) => a + (u.cache_read_input_tokens ?? 0), 0);
    const written = repeat.reduce((a, u) => a + (u.cache_creation_input_tokens ?? 0), 0);
    const uncached = repeat.reduce((a, u) => a + (u.input_tokens ?? 0), 0);
    const prefixTokens = (usages[0]?.cache_creation_input_tokens ?? 0) || (usages[0]?.cache_read_input_tokens ?? 0);

    const metrics = await (await fetch(`http://127.0.0.1:${h.luna.port}/metrics`)).text();
    const firstToken = Number(/luna_model_first_token_seconds_sum (\S+)/.exec(metrics)?.[1] ?? NaN);
    const firstTokenCount = Number(/luna_model_first_token_seconds_count (\S+)/.exec(metrics)?.[1] ?? NaN);

    const sorted = [...acks].sort((a, b) => a - b);
    const ideal = (N / RATE) * 1000 + MODEL_MS;
    const rows: Array<[string, string]> = [
      ['mentions offered', `${N} at ${RATE}/s, model latency ${MODEL_MS} ms`],
      ['ack p50 / p99 / max', `${pct(sorted, 50).toFixed(1)} / ${pct(sorted, 99).toFixed(1)} / ${sorted.at(-1)!.toFixed(1)} ms`],
      ['answered once', `${answered} / ${N}`],
      ['duplicated answers', String(duplicated)],
      ['wall time / ideal', `${(wall / 1000).toFixed(2)} s / ${(ideal / 1000).toFixed(2)} s (${(wall / ideal).toFixed(2)}×)`],
      ['peak RSS (bench + LUNA)', `${(peakRss / 2 ** 20).toFixed(0)} MB`],
      ['persona prefix', `${prefixTokens} tokens (cached block)`],
      [
        'cache-read share, repeat calls',
        `${((100 * read) / Math.max(1, read + written)).toFixed(1)}% of the cached prefix read from cache; ${((100 * read) / Math.max(1, read + written + uncached)).toFixed(1)}% of all input tokens`,
      ],
      [
        'stream: first token / complete',
        `${((firstToken / firstTokenCount) * 1000).toFixed(0)} ms / ~${MODEL_MS} ms for ${answer.length} chars; post-once = 1 Slack call, streaming at 256-char buffers ≈ ${Math.ceil(answer.length / 256) + 2} calls`,
      ],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  } finally {
    clearInterval(rssTimer);
    await h.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
