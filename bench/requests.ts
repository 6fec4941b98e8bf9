/**
 * `npm run bench:requests`: customer requests end to end in one process — signed `message.channels` events from
 * customers in many Slack Connect channels, offered at a fixed rate (a share of them delivered twice, as Slack's
 * retries are) → the requests listener → BullMQ → `detection: ai` windows → one structured call per window on a
 * scripted small model → requests and cards — on real Redis against the loopback fakes.
 *
 *   npm run bench:requests -- --messages 1000 --rate 50 --channels 200 --retries 0.05 --model-ms 200 [--mode all|split|web]
 *
 * LUNA (LUNA_ROLE=all, from src/) and the floor — a bare Bolt app that only acks (bench/floor.ts) — run as processes
 * of their own; the fakes and the load generator share this one. Prints: ack p50/p99/max against the floor's for
 * the same events at the same rate; requests opened against the questions sent (each exactly once: no
 * duplicates under the retries); model calls, input and output tokens per 1,000 customer messages, against one
 * call per message (the same prompt with one message, measured on a sample and scaled). The cost of the SLA timers
 * at 1k/10k/100k open requests and Redis memory per request are `npm run bench:requests-store`.
 */
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseArgs } from 'node:util';
import { detectRequests } from '../src/llm/request-detect.js';
import { createAnthropic } from '../src/llm/client.js';
import { resolveModel } from '../src/personas/models.js';
import { RequestStore } from '../src/stores/requests.js';
import { FakeAnthropic, type RequestBody } from '../test/fakes/anthropic-server.js';
import { FakeSlack } from '../test/fakes/slack-server.js';
import { clearPrefix, SIGNING_SECRET, testConfig, testEnv, until } from '../test/helpers/harness.js';
import { startLunaProcess } from '../test/helpers/luna-procs.js';
import { eventEnvelope, signedRequest } from '../test/helpers/slack-sign.js';
import { percentile } from './load.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '50' },
    channels: { type: 'string', default: '200' },
    retries: { type: 'string', default: '0.05' },
    'model-ms': { type: 'string', default: '200' },
    sample: { type: 'string', default: '50' },
    mode: { type: 'string', default: 'all' },
  },
});
const N = Number(values.messages);
const RATE = Number(values.rate);
const CHANNELS = Number(values.channels);
const RETRIES = Number(values.retries);
const MODEL_MS = Number(values['model-ms']);
const SAMPLE = Number(values.sample);
/**
 * `all`: one LUNA process acks and works; `split`: a web process acks, a worker process works; `web`: the web
 * process acks alone (the ack path's own cost) and the worker starts once the load is offered, to work the backlog.
 */
const MODE = values.mode === 'split' || values.mode === 'web' ? values.mode : 'all';

// A customer channel's day: most messages are questions or problems, a third are thanks and greetings.
const QUESTIONS = [
  'Where do I find the invoice for last month?',
  'Our admins cannot reset passwords since this morning, can you check?',
  'Is there an API for bulk user import?',
  'The export to CSV times out for our largest workspace.',
  'Can we move our renewal date to the end of the quarter?',
];
const PLEASANTRIES = ['Thanks!', 'Hi team 👋', 'ok, got it', 'Thank you so much 🙏', 'Great, thanks Anna'];
const isQuestion = (i: number) => i % 3 !== 2;
const text = (i: number) =>
  isQuestion(i) ? `${QUESTIONS[i % QUESTIONS.length]} (ref ${i})` : PLEASANTRIES[i % PLEASANTRIES.length]!;

/** The scripted model: every message of the window is a request (pleasantries never reach it). */
function detectionModel(body: RequestBody) {
  const labels = [...JSON.stringify(body.messages).matchAll(/\[(m\d+) · /g)].map((m) => m[1]!);
  return { text: JSON.stringify({ messages: labels.map((label) => ({ label, request: true, priority: 'normal' })) }) };
}

/** Offers `envelopes` at RATE a second (each send on its schedule, not after the previous ack); returns ack times in ms. */
async function offer(url: string, envelopes: object[]): Promise<number[]> {
  const started = performance.now();
  const acks: number[] = [];
  await Promise.all(
    envelopes.map(async (body, i) => {
      const wait = started + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const res = await signedRequest(url, body, { signingSecret: SIGNING_SECRET });
      if (res.status !== 200) throw new Error(`ack answered ${res.status}`);
      acks.push(res.ms);
    }),
  );
  return acks;
}

async function main() {
  const slack = await FakeSlack.start();
  const anthropic = await FakeAnthropic.start();
  const prefix = `bench-requests-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const config = testConfig({
    requests: { channels: 'all', triageChannel: 'C0TRIAGE', detection: 'ai' },
    signals: { channels: 'none', dailyTokenBudget: 1_000_000_000 },
    queue: { concurrency: 64, attempts: 4, backoffSeconds: 0.2, lockSeconds: 30, shutdownGraceSeconds: 5 },
    model: { streamIdleTimeoutSeconds: 30 },
  });
  const env = await testEnv({ slack, anthropic, prefix, config, env: { LUNA_ROLE: 'all' } });
  try {
    slack.addChannel({ id: 'C0TRIAGE', name: 'cs-triage' });
    anthropic.defaultReply = { handler: detectionModel };
    anthropic.latencyMs = MODEL_MS;
    const channels = Array.from({ length: CHANNELS + 1 }, (_, c) => {
      const id = `C0SHARED${String(c).padStart(4, '0')}`;
      const team = `T0CUST${String(c).padStart(4, '0')}`;
      slack.addSharedChannel({
        id,
        name: `cust-${c}`,
        externalTeam: { id: team, name: `Customer ${c}`, domain: `cust${c}` },
        externalMembers: [`U0C${c}A`, `U0C${c}B`],
      });
      return { id, users: [`U0C${c}A`, `U0C${c}B`] };
    });
    const warmChannel = channels.pop()!;
    const envelopesFor = (count: number, pick: (i: number) => { id: string; users: string[] }) => {
      const events = Array.from({ length: count }, (_, i) => {
        const ch = pick(i);
        return slack.userEvent({
          type: 'message',
          user: ch.users[Math.floor(i / CHANNELS) % 2]!,
          channel: ch.id,
          text: text(i),
        });
      });
      return { events, envelopes: events.map((e) => eventEnvelope(e, { isExtSharedChannel: true })) };
    };
    // Each message is seeded (as if posted), then its event delivered; a share of deliveries is repeated (Slack's retries).
    const { events, envelopes } = envelopesFor(N, (i) => channels[i % CHANNELS]!);
    const retried = envelopes.filter((_, i) => (i * 7919) % 1000 < RETRIES * 1000);
    const warm = () => envelopesFor(30, () => warmChannel).envelopes;

    // The floor first: a bare Bolt app acking the same events at the same rate, after a warm-up.
    const floor = await startLunaProcess({ ...env, LUNA_ROLE: 'web' }, 'bench/floor.ts');
    const floorUrl = `http://127.0.0.1:${floor.port}/slack/events`;
    await offer(floorUrl, warm());
    const floorAcks = await offer(floorUrl, [...envelopes, ...retried]);
    await floor.stop();

    const luna = await startLunaProcess({ ...env, LUNA_ROLE: MODE === 'all' ? 'all' : 'web' });
    let worker = MODE === 'split' ? await startLunaProcess({ ...env, LUNA_ROLE: 'worker' }) : undefined;
    const queue = new Queue('jobs', { connection: redis, prefix });
    const lunaUrl = `http://127.0.0.1:${luna.port}/slack/events`;
    await offer(lunaUrl, warm());
    const calls0 = anthropic.requests.length;
    const started = performance.now();
    const acks = await offer(lunaUrl, [...envelopes, ...retried]);
    const ackedMs = performance.now() - started;
    if (MODE === 'web') worker = await startLunaProcess({ ...env, LUNA_ROLE: 'worker' });
    // The last windows wait for their timers (a few seconds); then nothing is waiting or running.
    await until(
      async () => {
        const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
        const detects = (await queue.getDelayed()).filter((j) => j.name === 'request-detect').length;
        return detects === 0 && (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) === 0;
      },
      'every request job done',
      600_000,
    );
    const wallMs = performance.now() - started;
    await luna.stop();
    await worker?.stop();
    await queue.close();

    const store = new RequestStore(redis, prefix);
    const measured = new Set(channels.map((c) => c.id));
    const opened = (await store.openedBetween(0, Date.now() + 1)).filter((r) => measured.has(r.channel));
    const ids = new Set(opened.map((r) => r.id));
    const joined = opened.reduce((n, r) => n + r.followUps.length, 0);
    const questions = events.filter((_, i) => isQuestion(i)).length;
    const calls = anthropic.requests.slice(calls0);
    const tokens = (k: 'input_tokens' | 'output_tokens') => calls.reduce((a, r) => a + (r.usage?.[k] ?? 0), 0);
    const cards = opened.filter((r) => r.card).length;
    const inCustomerChannels = channels.reduce((n, c) => n + slack.postedIn(c.id).length, 0);

    // One call per message: the same prompt holding one message, measured on a sample.
    const before = anthropic.requests.length;
    const client = createAnthropic('sk-ant-test', anthropic.url, fetch);
    for (let i = 0; i < SAMPLE; i++) {
      const one = { messages: [{ label: 'm1', user: 'U0C1A', account: 'Customer 1', text: text(i * 3) }] };
      await detectRequests(client, { model: resolveModel('haiku').id, input: one, timeoutMs: 30_000 });
    }
    const single = anthropic.requests.slice(before);
    const perSingle = (k: 'input_tokens' | 'output_tokens') =>
      single.reduce((a, r) => a + (r.usage?.[k] ?? 0), 0) / SAMPLE;
    const singleCalls = (1000 * questions) / N;

    const per1000 = (x: number) => Math.round((x * 1000) / N).toLocaleString('en-US');
    const ms = (x: number) => x.toFixed(1);
    const [fp50, fp99, lp50, lp99] = [
      percentile(floorAcks, 50),
      percentile(floorAcks, 99),
      percentile(acks, 50),
      percentile(acks, 99),
    ];
    console.log(
      `\nRequests bench — ${N.toLocaleString('en-US')} customer messages in ${CHANNELS} channels at ${RATE}/s (${retried.length} delivered twice), ai detection, fake model ${MODEL_MS} ms, LUNA_ROLE ${{ all: 'all', split: 'web + worker', web: 'web alone (the worker after the load)' }[MODE]}\n`,
    );
    console.log(
      `ack p50 / p99 / max        ${ms(lp50)} / ${ms(lp99)} / ${ms(Math.max(...acks))} ms (bare Bolt, same events: ${ms(fp50)} / ${ms(fp99)} / ${ms(Math.max(...floorAcks))} ms; p99 ${(lp99 / fp99).toFixed(2)}× the floor)`,
    );
    console.log(
      `requests                   ${ids.size} opened + ${joined} grouped into them = ${ids.size + joined} of ${questions} questions; ${opened.length - ids.size} duplicates; ${cards} cards; ${inCustomerChannels} posts in customer channels`,
    );
    console.log(
      `model, per 1,000 messages  ${per1000(calls.length)} calls, ${per1000(tokens('input_tokens'))} input + ${per1000(tokens('output_tokens'))} output tokens (windows)`,
    );
    console.log(
      `  one call per message     ${singleCalls.toFixed(0)} calls, ${Math.round(singleCalls * perSingle('input_tokens')).toLocaleString('en-US')} input + ${Math.round(singleCalls * perSingle('output_tokens')).toLocaleString('en-US')} output tokens (${SAMPLE} single-message calls, scaled)`,
    );
    console.log(
      `wall time                  ${(wallMs / 1000).toFixed(1)} s from the first event to the last request (offering the events took ${(ackedMs / 1000).toFixed(1)} s)`,
    );
  } finally {
    redis.disconnect();
    await clearPrefix(prefix);
    await slack.close();
    await anthropic.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
