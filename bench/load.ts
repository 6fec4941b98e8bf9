import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SIGNING_SECRET } from '../test/helpers/harness.js';
import { eventEnvelope, signedRequest } from '../test/helpers/slack-sign.js';
import type { FakesMessage, FakesRequest, Settled } from './fakes-process.js';

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
}

export async function offerMentions(url: string, channel: string, tss: string[], ratePerSecond: number, alsoTo?: string): Promise<OfferedLoad> {
  const acks: number[] = [];
  const beside: number[] = [];
  let refused = 0;
  const startedAt = Date.now();
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (const [i, ts] of tss.entries()) {
    const wait = t0 + (i * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const text = `<@U0LUNA> question ${i}: how do we lift onboarding CSAT?`;
    const event = eventEnvelope({ type: 'app_mention', user: 'U0ALICE', text, ts, channel });
    inFlight.push(
      signedRequest(url, event, { signingSecret: SIGNING_SECRET }).then(
        (r) => (r.status === 200 ? void acks.push(r.ms) : void refused++),
        () => void refused++,
      ),
    );
    if (alsoTo) inFlight.push(signedRequest(alsoTo, event, { signingSecret: SIGNING_SECRET }).then((r) => void beside.push(r.ms)));
  }
  await Promise.all(inFlight);
  return { acks, refused, startedAt, beside };
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
  settle(channel: string, tss: string[], timeoutMs: number): Promise<Settled>;
  stop(): void;
}

type Command = Omit<Extract<FakesRequest, { cmd: 'setup' }>, 'id'> | Omit<Extract<FakesRequest, { cmd: 'settle' }>, 'id'>;

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
    settle: (channel, tss, timeoutMs) => call<Settled>({ cmd: 'settle', channel, tss, timeoutMs }),
    stop: () => child.disconnect(),
  };
}
