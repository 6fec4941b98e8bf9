/**
 * The fake Slack and fake Anthropic servers in a process of their own, so the load generator's clock is
 * not slowed by serving 300 answers' worth of API calls. Driven over IPC by bench/run.ts and bench/faults.ts.
 */
import type { Server } from 'node:http';
import { WORKING_REACTION } from '../src/slack-api/working.js';
import { FakeAnthropic, type FakeReply, type RequestBody } from '../test/fakes/anthropic-server.js';
import { sampleFromSchema } from '../test/fakes/anthropic-validate.js';
import { FakeSlack } from '../test/fakes/slack-server.js';
import { ESCALATE_EVERY, ESCALATION_CHANNEL, benchUser } from './team.js';

/** The fake model from now on: `modelMs` per answer (see `replyFor`), and 529 to every request for `outageMs` if set. */
export interface ModelSetting {
  modelMs: number;
  outageMs?: number;
}

export interface SeededThread {
  parentTs: string;
  /** The last message of the thread: the one that mentions LUNA. */
  mentionTs: string;
}

export type FakesRequest =
  | { id: number; cmd: 'setup'; channel: string; count: number; modelMs: number }
  | { id: number; cmd: 'settle'; channel: string; tss: string[]; timeoutMs: number; escalations?: number }
  | ({ id: number; cmd: 'model' } & ModelSetting)
  | { id: number; cmd: 'thread'; channel: string; messages: number }
  | { id: number; cmd: 'requests' };

/** One model call as the fake saw it. */
export interface ModelCall {
  /** Epoch ms the request arrived. */
  at: number;
  /** Answered (false: an error such as 529, or still in flight). */
  ok: boolean;
  /** A structured-output call (the escalation assessment, a digest part), not an answer. */
  structured: boolean;
  /** Every input token (uncached, cache read and cache write), and the uncached ones alone. */
  inputTokens: number;
  uncachedInputTokens: number;
}

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
  /** Slack Web API calls LUNA made about the channel (reads, reactions, posts, stream calls). */
  slackCalls: number;
  /** Per thread of `tss`, in order: LUNA's answers (first parts), epoch ms of the first, and of the first reactions.add on that message (0: none). */
  counts: number[];
  firstAnswerAt: number[];
  reactionAt: number[];
  /** Messages of `tss` still showing the working indicator (LUNA's reaction). */
  indicatorLeft: number;
  /** Per thread of `tss`, in order: epoch ms its escalation was posted to the escalation channel (0: none). */
  escalatedAt: number[];
  /** Apologies and still-working notes LUNA posted in those threads. */
  apologies: number;
  stillWorking: number;
  modelCalls: ModelCall[];
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
// The first working indicator (reactions.add) on each message, per channel.
const reactions = new Map<string, Map<string, number>>();
slack.onCall('reactions.add', (call) => {
  const channel = String(call.args.channel);
  const byTs = reactions.get(channel) ?? new Map<string, number>();
  reactions.set(channel, byTs);
  if (!byTs.has(String(call.args.timestamp))) byTs.set(String(call.args.timestamp), call.at);
});
slack.onCall('chat.postMessage', (call) => {
  const part = (call.args.metadata as { event_payload?: { part?: unknown } } | undefined)?.event_payload?.part;
  if (part !== 0) return;
  const channel = String(call.args.channel);
  const threads = firstParts.get(channel) ?? new Map<string, number>();
  firstParts.set(channel, threads);
  threads.set(String(call.args.thread_ts), call.at);
});

// Escalation posts (escalate.ts: metadata `luna_escalation`, id `<channel>-<thread ts>-<area>`), per thread.
const escalations = new Map<string, Map<string, number>>();
slack.onCall('chat.postMessage', (call) => {
  const meta = call.args.metadata as { event_type?: string; event_payload?: { escalation_id?: unknown } } | undefined;
  if (meta?.event_type !== 'luna_escalation') return;
  const [, channel, ts] = /^(\w+)-(\d+\.\d+)-/.exec(String(meta.event_payload?.escalation_id)) ?? [];
  if (!channel || !ts) return;
  const byTs = escalations.get(channel) ?? new Map<string, number>();
  escalations.set(channel, byTs);
  if (!byTs.has(ts)) byTs.set(ts, call.at);
});

// A streamed answer becomes its first part when the stream's message is updated with the final words.
slack.onCall('chat.update', (call) => {
  const part = (call.args.metadata as { event_payload?: { part?: unknown } } | undefined)?.event_payload?.part;
  const channel = String(call.args.channel);
  const thread = part === 0 ? slack.message(channel, String(call.args.ts))?.thread_ts : undefined;
  if (!thread) return;
  const threads = firstParts.get(channel) ?? new Map<string, number>();
  firstParts.set(channel, threads);
  if (!threads.has(thread)) threads.set(thread, call.at);
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

/**
 * An answer taking `modelMs` (the first byte after 20% of it, then streamed), and valid JSON for structured calls,
 * each answered after the same latency. An escalation assessment of every tenth question names the first area.
 */
function replyFor(modelMs: number): FakeReply {
  const chunks = Math.ceil(ANSWER.length / 40);
  const answer = { text: ANSWER, chunkChars: 40, chunkDelayMs: Math.round((modelMs * 0.8) / chunks) };
  return {
    handler: (body: RequestBody) => {
      const schema = body.output_config?.format?.schema;
      if (!schema) return answer;
      const sample = sampleFromSchema(schema) as Record<string, unknown>;
      const question = [...JSON.stringify(body.messages).matchAll(/question (\d+):/g)].at(-1)?.[1];
      const areas = (schema as { properties?: { area?: { enum?: string[] } } }).properties?.area?.enum ?? [];
      if ('strategic' in sample && areas[1] && question !== undefined && Number(question) % ESCALATE_EVERY === 0) {
        Object.assign(sample, {
          strategic: true,
          area: areas[1],
          confidence: 0.9,
          decisionNeeded: 'Whether to offer the discount.',
        });
      }
      return { text: JSON.stringify(sample) };
    },
  };
}

function setModel(m: ModelSetting): { from: number; until: number } {
  const reply = replyFor(m.modelMs);
  anthropic.latencyMs = Math.round(m.modelMs * 0.2);
  const from = Date.now();
  const until = from + (m.outageMs ?? 0);
  anthropic.defaultReply = m.outageMs ? { handler: () => (Date.now() < until ? { status: 529 } : reply) } : reply;
  return { from, until };
}

const THREAD_LINES = [
  'Acme says the onboarding took twice as long as promised and their VP is asking about the renewal terms.',
  'Their admin could not find the SSO settings; we walked them through it on a call yesterday.',
  'Usage dropped 30% in the last two weeks, mostly in the EMEA team that joined in March.',
  'They want a discount for the delay and a named contact for escalations going forward.',
  'Product confirmed the export fix ships next sprint; I told them to expect it by the 15th.',
];

async function handle(req: FakesRequest): Promise<unknown> {
  if (req.cmd === 'requests') return { total: anthropic.requests.length, inFlight: anthropic.inFlight };
  if (req.cmd === 'model') return setModel(req);
  if (req.cmd === 'thread') {
    if (!slack.hasChannel(req.channel)) slack.addChannel({ id: req.channel, name: req.channel.toLowerCase() });
    const parentTs = slack.addMessage(req.channel, {
      user: 'U0ALICE',
      text: 'Acme renewal: what do we do about their escalation?',
    });
    for (let i = 1; i < req.messages - 1; i++) {
      slack.addMessage(req.channel, {
        user: i % 3 ? 'U0BOB' : 'U0ALICE',
        text: `${THREAD_LINES[i % THREAD_LINES.length]} (#${i})`,
        thread_ts: parentTs,
      });
    }
    const text = '<@U0LUNA> should we offer Acme the renewal discount they asked for, and who decides?';
    const mentionTs = slack.addMessage(req.channel, { user: 'U0ALICE', text, thread_ts: parentTs });
    return { parentTs, mentionTs } satisfies SeededThread;
  }
  if (req.cmd === 'setup') {
    if (!slack.hasChannel(req.channel)) slack.addChannel({ id: req.channel, name: req.channel.toLowerCase() });
    if (!slack.hasChannel(ESCALATION_CHANNEL)) slack.addChannel({ id: ESCALATION_CHANNEL, name: 'cs-escalations' });
    anthropic.reset();
    setModel({ modelMs: req.modelMs });
    return Array.from({ length: req.count }, (_, i) =>
      slack.addMessage(req.channel, {
        user: benchUser(i),
        text: `<@U0LUNA> question ${i}: how do we lift onboarding CSAT?`,
      }),
    );
  }
  const threads = () => firstParts.get(req.channel) ?? new Map<string, number>();
  const deadline = Date.now() + req.timeoutMs;
  while (req.tss.some((ts) => !threads().has(ts)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // Escalations follow their answers: wait for as many as were asked for too.
  const escalated = () => req.tss.filter((ts) => escalations.get(req.channel)?.has(ts)).length;
  while (escalated() < (req.escalations ?? 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const lastAnswerAt = Math.max(0, ...req.tss.map((ts) => threads().get(ts) ?? 0));
  await new Promise((r) => setTimeout(r, 300)); // room for a late duplicate to show up
  // An answer is a first part (0); notes and apologies are parts of their own name, and a long answer's later parts are not answers again.
  const partsIn = (ts: string) =>
    slack.botMessages(req.channel, ts).map((m) => (m.metadata?.event_payload as { part?: unknown } | undefined)?.part);
  const parts = req.tss.map(partsIn);
  const counts = parts.map((ps) => ps.filter((p) => p === 0).length);
  const named = (name: string) => parts.reduce((a, ps) => a + ps.filter((p) => p === name).length, 0);
  const usages = anthropic.requests.map((r) => r.usage).filter((u): u is NonNullable<typeof u> => Boolean(u));
  const repeat = usages.slice(1);
  const sum = (k: 'cache_read_input_tokens' | 'cache_creation_input_tokens' | 'input_tokens') =>
    repeat.reduce((a, u) => a + (u[k] ?? 0), 0);
  const [read, written, uncached] = [
    sum('cache_read_input_tokens'),
    sum('cache_creation_input_tokens'),
    sum('input_tokens'),
  ];
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
    slackCalls: slack.calls.filter((c) => c.args.channel === req.channel).length,
    counts,
    firstAnswerAt: req.tss.map((ts) => threads().get(ts) ?? 0),
    reactionAt: req.tss.map((ts) => reactions.get(req.channel)?.get(ts) ?? 0),
    escalatedAt: req.tss.map((ts) => escalations.get(req.channel)?.get(ts) ?? 0),
    indicatorLeft: req.tss.filter((ts) =>
      slack.message(req.channel, ts)?.reactions?.some((r) => r.name === WORKING_REACTION),
    ).length,
    apologies: named('apology'),
    stillWorking: named('still-working'),
    modelCalls: anthropic.requests.map((r) => ({
      at: r.at,
      ok: Boolean(r.usage),
      structured: Boolean(r.body?.output_config?.format),
      inputTokens: r.usage
        ? r.usage.input_tokens + r.usage.cache_read_input_tokens + r.usage.cache_creation_input_tokens
        : 0,
      uncachedInputTokens: r.usage?.input_tokens ?? 0,
    })),
  };
  return result;
}
