import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SIGNING_SECRET } from '../test/helpers/harness.js';
import { eventEnvelope, signedRequest } from '../test/helpers/slack-sign.js';
import type { FakesMessage, FakesRequest, ModelSetting, Settled, SeededThread } from './fakes-process.js';
import { benchUser } from './team.js';

/** Offered load: signed `app_mention` events on a fixed schedule (open loop: a slow ack never delays the next send). */
export interface OfferedLoad {
  /** Client-side ack latency of each request, in ms, as Slack would measure it. */
  acks: number[];
  /** Requests not answered 200. */
  refused: number;
  /** Epoch ms of the first send. */
  startedAt: number;
  /** Ack latencies of the same events sent at the same moments to `alsoTo` (a bare Bolt app beside LUNA). */
  beside: number[];
  /** Per mention, in the order of `tss`: epoch ms it was sent, the HTTP status it got (0: no response at all), and how long that took in ms. */
  sentAt: number[];
  statuses: number[];
  latencies: number[];
}

export interface MentionOptions {
  /** The text after the bot mention. @defaultValue a CSAT question */
  text?: string;
  /** A reply in this thread rather than a top-level message. */
  threadTs?: string;
  /** Slack's redelivery of an event it got no 200 for (`x-slack-retry-num`). */
  retryNum?: number;
  /** Who mentions LUNA. @defaultValue U0ALICE */
  user?: string;
}

/** One signed `app_mention` event for the message `ts`, as Slack sends it; status 0 when no response came at all. */
export async function sendMention(
  url: string,
  channel: string,
  ts: string,
  opts: MentionOptions = {},
): Promise<{ status: number; ms: number }> {
  const text = `<@U0LUNA> ${opts.text ?? 'how do we lift onboarding CSAT?'}`;
  const event = eventEnvelope({
    type: 'app_mention',
    user: opts.user ?? 'U0ALICE',
    text,
    ts,
    channel,
    ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
  });
  const retry = opts.retryNum !== undefined ? { retryNum: opts.retryNum, retryReason: 'http_error' } : {};
  const started = performance.now();
  return signedRequest(url, event, { signingSecret: SIGNING_SECRET, ...retry }).then(
    (r) => ({ status: r.status, ms: r.ms }),
    () => ({ status: 0, ms: performance.now() - started }),
  );
}

/**
 * `onResponse(i, status)` hears each mention's outcome as it comes (status 0: no response), e.g. to redeliver it as
 * Slack would. Mention `i` comes from `benchUser(i)`, who also wrote it (fakes-process.ts `setup`).
 */
export async function offerMentions(
  url: string,
  channel: string,
  tss: string[],
  ratePerSecond: number,
  alsoTo?: string,
  onResponse?: (i: number, status: number) => void,
): Promise<OfferedLoad> {
  const acks: number[] = [];
  const beside: number[] = [];
  const sentAt: number[] = [];
  const statuses: number[] = [];
  const latencies: number[] = [];
  let refused = 0;
  const startedAt = Date.now();
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (const [i, ts] of tss.entries()) {
    const wait = t0 + (i * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const text = `question ${i}: how do we lift onboarding CSAT?`;
    sentAt[i] = Date.now();
    inFlight.push(
      sendMention(url, channel, ts, { text, user: benchUser(i) }).then((r) => {
        statuses[i] = r.status;
        latencies[i] = r.ms;
        onResponse?.(i, r.status);
        if (r.status === 200) acks.push(r.ms);
        else refused++;
      }),
    );
    if (alsoTo)
      inFlight.push(sendMention(alsoTo, channel, ts, { text, user: benchUser(i) }).then((r) => void beside.push(r.ms)));
  }
  await Promise.all(inFlight);
  return { acks, refused, startedAt, beside, sentAt, statuses, latencies };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** The fakes' process, and typed calls into it. */
export interface Fakes {
  pid: number;
  slackUrl: string;
  anthropicUrl: string;
  setup(channel: string, count: number, modelMs: number): Promise<string[]>;
  /** Waits until every `tss` thread has an answer or `timeoutMs` passed (0: report now), then reports. */
  settle(channel: string, tss: string[], timeoutMs: number, escalations?: number): Promise<Settled>;
  /** Changes the fake model from now on: its latency, and optionally an outage (529 to everything) for `outageMs`. */
  model(setting: ModelSetting): Promise<{ from: number; until: number }>;
  /** Seeds one thread of `messages` messages, the last a mention of LUNA. */
  thread(channel: string, messages: number): Promise<SeededThread>;
  /** Model calls received so far, and how many are being answered right now. */
  modelRequests(): Promise<{ total: number; inFlight: number }>;
  stop(): void;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Command = WithoutId<FakesRequest>;

export async function startFakes(): Promise<Fakes> {
  const child: ChildProcess = fork(path.resolve('bench/fakes-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (r: unknown) => void>();
  let next = 0;
  const ready = new Promise<{ slackUrl: string; anthropicUrl: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fakes process exited (${code})`)));
    child.on('message', (raw) => {
      const m = raw as FakesMessage;
      if ('ready' in m) return resolve(m);
      pending.get(m.id)?.(m.result);
      pending.delete(m.id);
    });
  });
  const { slackUrl, anthropicUrl } = await ready;
  const call = <T>(c: Command) =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      pending.set(id, (r) => {
        const err = (r as { error?: string } | undefined)?.error;
        if (err) reject(new Error(err));
        else resolve(r as T);
      });
      child.send({ ...c, id });
    });
  return {
    pid: child.pid!,
    slackUrl,
    anthropicUrl,
    setup: (channel, count, modelMs) => call<string[]>({ cmd: 'setup', channel, count, modelMs }),
    settle: (channel, tss, timeoutMs, escalations) =>
      call<Settled>({ cmd: 'settle', channel, tss, timeoutMs, ...(escalations ? { escalations } : {}) }),
    model: (setting) => call<{ from: number; until: number }>({ cmd: 'model', ...setting }),
    thread: (channel, messages) => call<SeededThread>({ cmd: 'thread', channel, messages }),
    modelRequests: () => call<{ total: number; inFlight: number }>({ cmd: 'requests' }),
    stop: () => child.disconnect(),
  };
}

/**
 * `npm run build` for a bench that runs dist/: tsc still writes dist/ when someone's work in progress does not
 * type-check, and that is fine here. Throws when `entry` was not (re)written.
 */
export function buildDist(entry = 'dist/main.js'): void {
  const started = Date.now();
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
      stdio: 'ignore',
    });
  } catch {
    // type errors: the emitted JavaScript is still what we want to measure
  }
  if (!existsSync(entry) || statSync(entry).mtimeMs < started - 1_000)
    throw new Error(`building ${entry} failed; try --from src`);
}
