/**
 * `npm run bench:journey`: time from `/journey-map` to picture, over the wire (signed slash command →
 * BullMQ → fake model → Block Kit → PNG render → three-step upload), on real Redis with the loopback fakes.
 *
 *   npm run bench:journey -- --runs 20 --model-ms 0
 *
 * `--model-ms` delays the fake model's answer, to see the time LUNA adds on top of a real model.
 */
import { parseArgs } from 'node:util';
import { renderJourneyPng } from '../src/render/journey-svg.js';
import { acmeMap } from '../test/fixtures/journey/maps.js';
import { SIGNING_SECRET, startHarness } from '../test/helpers/harness.js';
import { signedRequest, slashCommandForm } from '../test/helpers/slack-sign.js';
import { benchUser } from './team.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, 'model-ms': { type: 'string', default: '0' } },
});
const RUNS = Number(values.runs);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(0)} ms, p95 ${pct(s, 95).toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms`;
};

async function main() {
  const renders: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await renderJourneyPng(acmeMap());
    renders.push(performance.now() - t);
  }
  const h = await startHarness();
  try {
    h.anthropic.defaultReply = { text: JSON.stringify(acmeMap()) };
    h.anthropic.latencyMs = Number(values['model-ms']);
    const acks: number[] = [];
    const toPicture: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const channel = `C0BENCH${i}`;
      h.slack.addChannel({ id: channel, name: `bench-${i}` });
      const sent = Date.now();
      const res = await signedRequest(
        h.eventsUrl,
        slashCommandForm({ text: `Acme Corp run ${i}`, channel_id: channel, user_id: benchUser(i) }),
        {
          signingSecret: SIGNING_SECRET,
        },
      );
      if (res.status !== 200) throw new Error(`ack ${i} answered ${res.status}`);
      acks.push(res.ms);
      const done = await h.slack.waitForCall(
        'files.completeUploadExternal',
        (c) => c.args.channel_id === channel && c.response?.ok === true,
        30_000,
      );
      toPicture.push(done.at - sent);
    }
    console.log(
      `journey maps: ${RUNS} sequential /journey-map commands, fake model answering after ${values['model-ms']} ms`,
    );
    console.log(`  ack (HTTP 200 with the ephemeral): ${summary(acks)}`);
    console.log(`  command → picture shared (completeUploadExternal): ${summary(toPicture)}`);
    console.log(`  SVG → PNG render alone (5-stage fixture, 1600 px wide): ${summary(renders)}`);
  } finally {
    await h.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
