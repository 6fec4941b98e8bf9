/**
 * `npm run bench:fuzz`: a fuzz campaign against a real LUNA (its own processes, from src/ through tsx) on real
 * Redis and the fakes — signed requests over every surface, mutated by a seeded generator (test/fuzz/) — and
 * what came back: status histogram, ack latency, crashes, jobs left stuck, markup leaks, and whether a normal
 * mention is still answered once afterwards.
 *
 *   npm run bench:fuzz -- [--requests 2400] [--seed N] [--concurrency 6] [--settle-s 60] [--mode split|inline]
 *
 * The seed is printed first; LUNA_FUZZ_SEED or --seed replays a run.
 */
import { parseArgs } from 'node:util';
import { formatReport, runCampaign } from '../test/fuzz/campaign.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2400' },
    seed: { type: 'string', default: process.env.LUNA_FUZZ_SEED ?? '' },
    concurrency: { type: 'string', default: '6' },
    'settle-s': { type: 'string', default: '60' },
    mode: { type: 'string', default: 'split' },
  },
});
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
process.stdout.write(`fuzz seed ${seed}\n`);
const started = Date.now();
const report = await runCampaign({
  seed,
  requests: Number(values.requests),
  concurrency: Number(values.concurrency),
  settleMs: Number(values['settle-s']) * 1000,
  allMode: values.mode === 'inline' ? 'inline' : 'split',
  progress: (line) => process.stdout.write(`  ${line}\n`),
});
process.stdout.write(`${formatReport(report)}\n\nwall time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
