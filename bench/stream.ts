/**
 * `npm run bench:stream`: how soon a user sees an answer, streamed and posted once. LUNA runs as production
 * does (its own process, HTTP mode, real Redis) against the fake Slack and fake Anthropic in this process: a
 * model that takes 400 ms to its first token, then writes 60 tokens a second for 600 tokens (a ~10 s answer).
 * Each mention is its own thread in a channel of its own; the clock starts as the signed event is sent.
 *
 *   npm run bench:stream -- --answers 30 --rate 3 [--ttft-ms 400] [--tokens-per-s 60] [--tokens 600] [--from src|dist]
 *
 * Prints, for streamed and for posted-once answers, p50/p95 of the time from the mention to the first visible
 * word and to the complete answer, how far the first word trails the model's first token, and the Slack calls
 * each answer costs.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { FakeAnthropic } from '../test/fakes/anthropic-server.js';
import { FakeSlack, type SlackCall } from '../test/fakes/slack-server.js';
import { setup as ensureRedis, teardown as stopOwnRedis } from '../test/helpers/global-redis.js';
import { clearPrefix, SIGNING_SECRET, testEnv } from '../test/helpers/harness.js';
import { startLunaProcess } from '../test/helpers/luna-procs.js';
import { eventEnvelope, signedRequest } from '../test/helpers/slack-sign.js';
import { percentile } from './load.js';
import { benchUser } from './team.js';

const { values } = parseArgs({
  options: {
    answers: { type: 'string', default: '30' },
    rate: { type: 'string', default: '3' },
    'ttft-ms': { type: 'string', default: '400' },
    'tokens-per-s': { type: 'string', default: '60' },
    tokens: { type: 'string', default: '600' },
    from: { type: 'string', default: 'src' },
  },
});
const N = Number(values.answers);
const RATE = Number(values.rate);
const TTFT = Number(values['ttft-ms']);
const TPS = Number(values['tokens-per-s']);
const TOKENS = Number(values.tokens);
const ENTRY = values.from === 'dist' ? 'dist/main.js' : 'src/main.ts';

/** ~4 characters a token (the fake bills ceil(chars/4)): a Markdown answer of TOKENS tokens, one token per delta. */
function answerText(): string {
  const para = [
    '**Recommendation:** re-engage the executive sponsor with a value review before the renewal.',
    '- Share the adoption numbers from the last quarter, and where they fall short of the plan.',
    '- Agree one success milestone for the next 30 days, with an owner on each side.',
    '1. Book the review this week. 2. Send the summary within a day. 3. Check usage again in two weeks.',
  ].join('\n');
  let text = '';
  while (text.length < TOKENS * 4) text += `${para}\n\n`;
  return text.slice(0, TOKENS * 4).trimEnd();
}

interface Run {
  firstVisible: number[];
  complete: number[];
  /** First visible word minus the model's first token, per answer. */
  afterFirstToken: number[];
  calls: Map<string, number>;
  writes: number;
  total: number;
}

async function run(slack: FakeSlack, anthropic: FakeAnthropic, stream: boolean): Promise<Run> {
  const prefix = `luna-bench-stream-${randomUUID().slice(0, 8)}`;
  const config = `persona: luna\nmodel:\n  stream: ${stream}\nqueue:\n  concurrency: 100\n`;
  const env = await testEnv({ slack, anthropic, prefix, config });
  const luna = await startLunaProcess({ ...env, REDIS_URL: process.env.REDIS_URL!, LOG_LEVEL: 'warn' }, ENTRY);
  const url = `http://127.0.0.1:${luna.port}/slack/events`;
  slack.reset();
  anthropic.reset();
  const tag = stream ? 'S' : 'P';
  const threads: Array<{ channel: string; ts: string; marker: string; sentAt: number }> = [];
  try {
    const t0 = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const wait = t0 + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const channel = `C0BENCH${tag}${i}`;
      const marker = `bench-${tag}-${i}`;
      slack.addChannel({ id: channel, name: `bench-${tag.toLowerCase()}-${i}` });
      const text = `<@U0LUNA> ${marker}: how do we save the Acme renewal?`;
      const ts = slack.addMessage(channel, { user: benchUser(i), text });
      const sentAt = Date.now();
      threads.push({ channel, ts, marker, sentAt });
      sends.push(
        signedRequest(url, eventEnvelope({ type: 'app_mention', user: benchUser(i), text, ts, channel }), {
          signingSecret: SIGNING_SECRET,
        }),
      );
    }
    await Promise.all(sends);
    const done = (t: (typeof threads)[number]) => completeCall(slack, t.channel) !== undefined;
    const deadline = Date.now() + 120_000;
    while (!threads.every(done) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // late calls (reaction removed) belong to the answer too
  } finally {
    await luna.stop();
    await clearPrefix(prefix);
  }

  const out: Run = { firstVisible: [], complete: [], afterFirstToken: [], calls: new Map(), writes: 0, total: 0 };
  for (const t of threads) {
    const mine = slack.calls.filter((c) => channelOf(c) === t.channel);
    const visible = mine.find(
      (c) =>
        (c.method === 'chat.startStream' && typeof c.args.markdown_text === 'string' && c.args.markdown_text !== '') ||
        c.method === 'chat.postMessage',
    );
    const complete = completeCall(slack, t.channel);
    const request = anthropic.requests.find((r) => JSON.stringify(r.body.messages).includes(t.marker));
    if (!visible || !complete || !request?.firstDeltaAt) throw new Error(`answer ${t.marker} did not complete`);
    out.firstVisible.push(visible.at - t.sentAt);
    out.complete.push(complete.at - t.sentAt);
    out.afterFirstToken.push(visible.at - request.firstDeltaAt);
    for (const c of mine) out.calls.set(c.method, (out.calls.get(c.method) ?? 0) + 1);
    out.total += mine.length;
    out.writes += mine.filter((c) => c.method.startsWith('chat.')).length;
  }
  return out;
}

function channelOf(c: SlackCall): string | undefined {
  const ch = c.args.channel ?? c.args.channel_id;
  return typeof ch === 'string' ? ch : undefined;
}

/** The call that put the complete answer in front of the user: its first part posted, or its stream replaced by it. */
function completeCall(slack: FakeSlack, channel: string): SlackCall | undefined {
  return slack.calls.find(
    (c) =>
      channelOf(c) === channel &&
      (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
      c.response?.ok === true &&
      (c.args.metadata as { event_payload?: { part?: unknown } } | undefined)?.event_payload?.part === 0,
  );
}

const ms = (v: number) => `${Math.round(v)} ms`;
const p = (xs: number[], q: number) => percentile(xs, q);
const stats = (xs: number[]) => `p50 ${ms(p(xs, 50))}, p95 ${ms(p(xs, 95))}`;

async function main() {
  await ensureRedis();
  const slack = await FakeSlack.start();
  const anthropic = await FakeAnthropic.start();
  for (const fake of [slack, anthropic]) (fake as unknown as { server: Server }).server.keepAliveTimeout = 65_000;
  const text = answerText();
  anthropic.latencyMs = TTFT;
  anthropic.defaultReply = { text, chunkChars: 4, chunkDelayMs: 1000 / TPS };
  try {
    const streamed = await run(slack, anthropic, true);
    const posted = await run(slack, anthropic, false);
    const perAnswer = (r: Run) =>
      `${(r.total / N).toFixed(1)} in all, ${(r.writes / N).toFixed(1)} chat.* (${[...r.calls]
        .filter(([m]) => m.startsWith('chat.'))
        .map(([m, n]) => `${m} ${(n / N).toFixed(1)}`)
        .join(', ')})`;
    const firstGoal = p(streamed.afterFirstToken, 95) <= 300;
    const completeGoal =
      p(streamed.complete, 95) <= p(posted.complete, 95) * 1.1 &&
      p(streamed.complete, 50) <= p(posted.complete, 50) * 1.1;
    console.log(
      `streaming: ${N} answers offered at ${RATE}/s; fake model ${TTFT} ms to first token, then ${TPS} tokens/s for ${TOKENS} tokens (${text.length} characters); LUNA from ${ENTRY}`,
    );
    console.log(
      `  streamed     first visible word ${stats(streamed.firstVisible)}; complete answer ${stats(streamed.complete)}`,
    );
    console.log(
      `  posted once  first visible word ${stats(posted.firstVisible)}; complete answer ${stats(posted.complete)}`,
    );
    console.log(`  streamed: first word after the model's first token ${stats(streamed.afterFirstToken)}`);
    console.log(`  Slack calls per answer, streamed: ${perAnswer(streamed)}`);
    console.log(`  Slack calls per answer, posted once: ${perAnswer(posted)}`);
    console.log(
      `  goals: first word ≤ first token + 300 ms at p95: ${firstGoal ? 'met' : 'MISSED'} (${ms(p(streamed.afterFirstToken, 95))}); complete answer ≤ posted once + 10%: ${completeGoal ? 'met' : 'MISSED'} (p50 ${ms(p(streamed.complete, 50))} vs ${ms(p(posted.complete, 50))}, p95 ${ms(p(streamed.complete, 95))} vs ${ms(p(posted.complete, 95))})`,
    );
  } finally {
    await slack.close();
    await anthropic.close();
    stopOwnRedis();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
