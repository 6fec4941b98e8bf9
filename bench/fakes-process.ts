/**
 * The fake Slack and fake Anthropic servers in a process of their own, so the load generator's clock is
 * not slowed by serving 300 answers' worth of API calls. Driven over IPC by bench/run.ts.
 */
import type { Server } from 'node:http';
import { FakeAnthropic } from '../test/fakes/anthropic-server.js';
import { FakeSlack } from '../test/fakes/slack-server.js';
import { answersIn } from '../test/helpers/harness.js';

export type FakesRequest =
  | { id: number; cmd: 'setup'; channel: string; count: number; modelMs: number }
  | { id: number; cmd: 'settle'; channel: string; tss: string[]; timeoutMs: number };

export interface Settled {
  answered: number;
  duplicated: number;
  missing: number;
  /** Epoch ms of the last answer posted in the channel. */
  lastAnswerAt: number;
  modelRequests: number;
  maxModelCallsInFlight: number;
  prefixTokens: number;
  /** Share of the cacheable prefix read from cache on repeat calls, and of all input tokens. */
  cacheReadShare: number;
  cacheReadShareOfInput: number;
  answerChars: number;
}

export type FakesMessage = { ready: true; slackUrl: string; anthropicUrl: string } | { id: number; result: unknown };

// A realistic answer: ~1,200 characters, the first byte after 20% of the latency, streamed in 40-char chunks over the rest.
const ANSWER = `**Recommendation:** ${'Re-engage the executive sponsor with a value review before renewal. '.repeat(17)}`;

const slack = await FakeSlack.start();
const anthropic = await FakeAnthropic.start();
// The fakes drop idle connections after 1 s (quick test shutdowns), so undici, which wants 2 s of margin,
// would open a new connection for every call. Slack and Anthropic keep connections open far longer.
for (const fake of [slack, anthropic]) (fake as unknown as { server: Server }).server.keepAliveTimeout = 65_000;
const send = (m: FakesMessage) => process.send!(m);

// First parts of answers as they are posted, per channel and thread: cheap to poll while the run is on.
const firstParts = new Map<string, Map<string, number>>();
slack.onCall('chat.postMessage', (call) => {
  const part = (call.args.metadata as { event_payload?: { part?: unknown } } | undefined)?.event_payload?.part;
  if (part !== 0) return;
  const channel = String(call.args.channel);
  const threads = firstParts.get(channel) ?? new Map<string, number>();
  firstParts.set(channel, threads);
  threads.set(String(call.args.thread_ts), call.at);
});

process.on('message', (raw) => {
  const req = raw as FakesRequest;
  handle(req).then(
    (result) => send({ id: req.id, result }),
    (err) => send({ id: req.id, result: { error: String((err as Error)?.stack ?? err) } }),
  );
});
process.on('disconnect', () => void Promise.all([slack.close(), anthropic.close()]).finally(() => process.exit(0)));
send({ ready: true, slackUrl: slack.url, anthropicUrl: anthropic.url });

async function handle(req: FakesRequest): Promise<unknown> {
  if (req.cmd === 'setup') {
    if (!slack.hasChannel(req.channel)) slack.addChannel({ id: req.channel, name: req.channel.toLowerCase() });
    anthropic.reset();
    const chunks = Math.ceil(ANSWER.length / 40);
    anthropic.defaultReply = { text: ANSWER, chunkChars: 40, chunkDelayMs: Math.round((req.modelMs * 0.8) / chunks) };
    anthropic.latencyMs = Math.round(req.modelMs * 0.2);
    return Array.from({ length: req.count }, (_, i) =>
      slack.addMessage(req.channel, { user: 'U0ALICE', text: `<@U0LUNA> question ${i}: how do we lift onboarding CSAT?` }),
    );
  }
  const threads = () => firstParts.get(req.channel) ?? new Map<string, number>();
  const deadline = Date.now() + req.timeoutMs;
  while (req.tss.some((ts) => !threads().has(ts)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const lastAnswerAt = Math.max(0, ...req.tss.map((ts) => threads().get(ts) ?? 0));
  await new Promise((r) => setTimeout(r, 300)); // room for a late duplicate to show up
  const counts = req.tss.map((ts) => answersIn(slack, req.channel, ts).length);
  const usages = anthropic.requests.map((r) => r.usage).filter((u): u is NonNullable<typeof u> => Boolean(u));
  const repeat = usages.slice(1);
  const sum = (k: 'cache_read_input_tokens' | 'cache_creation_input_tokens' | 'input_tokens') => repeat.reduce((a, u) => a + (u[k] ?? 0), 0);
  const [read, written, uncached] = [sum('cache_read_input_tokens'), sum('cache_creation_input_tokens'), sum('input_tokens')];
  const result: Settled = {
    answered: counts.filter((n) => n === 1).length,
    duplicated: counts.filter((n) => n > 1).length,
    missing: counts.filter((n) => n === 0).length,
    lastAnswerAt,
    modelRequests: anthropic.requests.length,
    maxModelCallsInFlight: anthropic.maxInFlight,
    prefixTokens: (usages[0]?.cache_creation_input_tokens ?? 0) || (usages[0]?.cache_read_input_tokens ?? 0),
    cacheReadShare: read / Math.max(1, read + written),
    cacheReadShareOfInput: read / Math.max(1, read + written + uncached),
    answerChars: ANSWER.length,
  };
  return result;
}
