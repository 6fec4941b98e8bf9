/**
 * `npm run bench:redis`: what Redis failures cost, with numbers. LUNA (in this process, HTTP mode) runs on a
 * throwaway redis-server of its own, against the fake Slack and Anthropic servers, while signed mentions
 * arrive at a fixed rate. For each outage length, Redis is SIGKILLed and restarted on the same port; a
 * mention that got a 500 is delivered again once, as Slack would, after Redis is back.
 *
 *   npm run bench:redis -- --outages 500,1000,1500,2500,10000 --rate 25 [--no-aof]
 *
 * Prints per outage: mentions sent, sent during the outage, acked (200) at once, refused (500), slowest ack,
 * how long after Redis was back the first refused mention was answered, answered exactly once / lost /
 * duplicated. `--no-aof` runs Redis without persistence: acked mentions that were still queued are lost.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../src/infra/log.js';
import { answersIn, startHarness, testConfig, until, type Harness } from '../test/helpers/harness.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { benchUser } from './team.js';

const { values } = parseArgs({
  options: {
    outages: { type: 'string', default: '500,1000,1500,2500,10000' },
    rate: { type: 'string', default: '25' },
    'no-aof': { type: 'boolean', default: false },
  },
});
const OUTAGES = values.outages.split(',').map(Number);
const RATE = Number(values.rate);
const AOF = !values['no-aof'];

interface Sent {
  ts: string;
  user: string;
  at: number;
  status: number;
  ms: number;
}

async function scenario(outageMs: number): Promise<string> {
  const server = await startRedisServer((p) => ['--port', String(p), '--appendonly', AOF ? 'yes' : 'no']);
  const quiet = createLogger('error', {}, { out: () => {}, err: () => {} });
  const h: Harness = await startHarness({
    env: { REDIS_URL: `redis://127.0.0.1:${server.port}` },
    config: testConfig({ queue: { concurrency: 64 } }),
    log: quiet,
  });
  h.anthropic.latencyMs = 300;
  const sent: Sent[] = [];
  try {
    const before = 1_000;
    const after = 1_500;
    const started = Date.now();
    const inFlight: Array<Promise<void>> = [];
    const sending = (async () => {
      for (let i = 0; Date.now() - started < before + outageMs + after; i++) {
        const at = Date.now();
        const user = benchUser(i);
        inFlight.push(
          h
            .mention({ user, text: `<@U0LUNA> question ${i}` })
            .then((r) => void sent.push({ ts: r.ts, user, at, status: r.status, ms: r.ms })),
        );
        await new Promise((r) => setTimeout(r, 1000 / RATE));
      }
      await Promise.all(inFlight);
    })();
    await new Promise((r) => setTimeout(r, before));
    const down = Date.now();
    await server.kill();
    await new Promise((r) => setTimeout(r, outageMs));
    await server.restart();
    const up = Date.now();
    await sending;

    // Slack delivers what got no 200 again (its first retry comes at once); once is enough here.
    const refused = sent.filter((s) => s.status !== 200);
    const retried = await Promise.all(
      refused.map((s) => h.mention({ ts: s.ts, user: s.user, text: '<@U0LUNA> again', retryNum: 1 })),
    );
    const deliveredOnce = sent.filter((s) => s.status === 200).length + retried.filter((r) => r.status === 200).length;
    let firstRefusedAnswered = NaN;
    if (refused.length) {
      await until(
        () => refused.some((s) => answersIn(h.slack, 'C0SUPPORT', s.ts).length > 0),
        'a refused mention answered after retry',
        30_000,
      ).catch(() => {});
      firstRefusedAnswered = Date.now() - up;
    }
    await until(
      () => sent.every((s) => answersIn(h.slack, 'C0SUPPORT', s.ts).length > 0),
      'every mention answered',
      30_000,
    ).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    const counts = sent.map((s) => answersIn(h.slack, 'C0SUPPORT', s.ts).length);
    const during = sent.filter((s) => s.at >= down && s.at <= up).length;
    const slowest = Math.round(Math.max(...sent.map((s) => s.ms)));
    return [
      `${String(outageMs).padStart(6)} ms`,
      `sent ${sent.length}`,
      `during ${during}`,
      `acked ${sent.length - refused.length}`,
      `500s ${refused.length}`,
      `retried ok ${deliveredOnce - (sent.length - refused.length)}`,
      `slowest ack ${slowest} ms`,
      `refused→answered ${Number.isNaN(firstRefusedAnswered) ? '-' : `${(firstRefusedAnswered / 1000).toFixed(1)} s after Redis was back`}`,
      `once ${counts.filter((n) => n === 1).length}`,
      `lost ${counts.filter((n) => n === 0).length}`,
      `duplicated ${counts.filter((n) => n > 1).length}`,
    ].join(' | ');
  } finally {
    await h.stop();
    await server.stop();
  }
}

console.log(
  `Redis SIGKILLed and restarted on the same port (${AOF ? 'AOF on' : 'no persistence'}), mentions at ${RATE}/s, model 300 ms`,
);
for (const outage of OUTAGES) console.log(await scenario(outage));
process.exit(0);
