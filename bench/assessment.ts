/**
 * What the escalation assessment costs an answer: job time with and without it (the assessment runs
 * beside the answer, so it should add almost nothing), and its tokens per answer.
 *
 *   npx tsx bench/assessment.ts [--mentions 20] [--model-ms 800]
 */
import { parseArgs } from 'node:util';
import { startHarness } from '../test/helpers/harness.js';
import { benchUser } from './team.js';

const { values } = parseArgs({
  options: { mentions: { type: 'string', default: '20' }, 'model-ms': { type: 'string', default: '800' } },
});
const N = Number(values.mentions);
const MODEL_MS = Number(values['model-ms']);
const ESCALATION = `
escalation:
  channel: C0ESC
  owners:
    - area: Complex customer negotiations
      notify: [U0456EFGH]
  fallback: [U0CSLEAD]
`;
const ASSESSMENT = {
  outOfScope: false,
  strategic: false,
  area: 'none',
  confidence: 0.9,
  rationale: 'Routine onboarding question.',
  customerWants: 'Advice on onboarding KPIs.',
  decisionNeeded: '',
  risk: 'Low.',
};

async function run(withEscalation: boolean) {
  const h = await startHarness({
    config: `${withEscalation ? ESCALATION : ''}queue:\n  concurrency: 4\nmodel:\n  streamIdleTimeoutSeconds: 30\n`,
  });
  try {
    h.anthropic.latencyMs = MODEL_MS;
    const answer = 'Track time to first value, weekly active seats and the first QBR. '.repeat(6);
    h.anthropic.defaultReply = {
      handler: (body: { output_config?: unknown }) =>
        body.output_config ? { text: JSON.stringify(ASSESSMENT) } : { text: answer, chunkChars: 40 },
    };
    for (let i = 0; i < N; i++) {
      await h.mention({ user: benchUser(i), text: `<@U0LUNA> question ${i}: which onboarding KPIs matter?` });
      // One at a time, so each job's duration is its own and not queueing behind others.
      for (;;) {
        const c = await h.luna.queue.getJobCounts('completed', 'failed');
        if ((c.completed ?? 0) + (c.failed ?? 0) > i) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const jobs = await h.luna.queue.getJobs(['completed']);
    const durations = jobs.map((j) => j.finishedOn! - j.processedOn!).sort((a, b) => a - b);
    const assess = h.anthropic.requests.filter((r) => (r.body as { output_config?: unknown }).output_config);
    const sum = (k: 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens') =>
      assess.reduce((a, r) => a + ((r.usage as Record<string, number> | undefined)?.[k] ?? 0), 0) /
      Math.max(1, assess.length);
    return {
      p50: durations[Math.floor(durations.length / 2)]!,
      mean: durations.reduce((a, b) => a + b, 0) / durations.length,
      calls: assess.length,
      tokens: {
        input: sum('input_tokens'),
        cacheRead: sum('cache_read_input_tokens'),
        cacheWrite: sum('cache_creation_input_tokens'),
        output: sum('output_tokens'),
      },
    };
  } finally {
    await h.stop();
  }
}

const without = await run(false);
const withA = await run(true);
console.log(`answers: ${N}, fake model latency ${MODEL_MS} ms per call`);
console.log(`job time without assessment  p50 ${without.p50} ms, mean ${without.mean.toFixed(0)} ms`);
console.log(
  `job time with assessment     p50 ${withA.p50} ms, mean ${withA.mean.toFixed(0)} ms  (+${(withA.mean - without.mean).toFixed(0)} ms)`,
);
console.log(
  `assessment tokens per answer: ${withA.tokens.input.toFixed(0)} uncached input + ${withA.tokens.cacheRead.toFixed(0)} cache-read (+${withA.tokens.cacheWrite.toFixed(0)} cache-write avg) + ${withA.tokens.output.toFixed(0)} output; ${withA.calls} calls`,
);
process.exit(0);
