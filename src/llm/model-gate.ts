import Anthropic from '@anthropic-ai/sdk';
import type { Queue } from 'bullmq';
import type { Logger } from '../infra/log.js';
import { retryAfterOf, toError } from '../infra/errors.js';
import type { ModelCallStore } from '../stores/model-calls.js';
import type { RedisSemaphore } from '../stores/semaphore.js';

/**
 * Every model call of every worker process passes this gate (it is the Anthropic client's `fetch`):
 *
 * - at most `maxConcurrentCalls` requests are in flight across all workers (a Redis semaphore whose
 *   leases expire, so a killed worker never keeps a slot);
 * - an Anthropic 429 pauses the whole queue for its Retry-After through BullMQ's rate limiter, so no
 *   worker starts a job, and calls already on their way wait out the same pause before they are sent.
 */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * BullMQ honours a queue-wide pause (`queue.rateLimit`) only in workers that have a limiter. This one
 * never limits on its own (a billion jobs a second); it exists so a 429 can pause every worker.
 */
export const PAUSABLE_LIMITER = { max: 1_000_000_000, duration: 1_000 } as const;

const DEFAULT_PAUSE_MS = 1_000;
const MAX_PAUSE_MS = 5 * 60_000;

export interface ModelGateOptions {
  store: ModelCallStore;
  queue: Queue;
  log: Logger;
  /** Unset: no cap. */
  maxConcurrentCalls?: number | undefined;
  /** How many times one job may be put back for a 429 before a 429 counts as a failed attempt. */
  maxRateLimitDeferrals: number;
}

export class ModelGate {
  readonly fetch: Fetch;
  private readonly slots: RedisSemaphore | undefined;

  constructor(private readonly o: ModelGateOptions) {
    this.slots = o.maxConcurrentCalls ? o.store.slots(o.maxConcurrentCalls) : undefined;
    this.fetch = (input, init) => this.send(input, init);
  }

  /** Pauses every worker for `ms` (never shortens a longer pause already set by another worker). */
  async pauseAll(ms: number): Promise<void> {
    const wanted = Math.min(Math.max(ms, 1), MAX_PAUSE_MS);
    if ((await this.pausedFor()) >= wanted) return;
    await this.o.queue.rateLimit(wanted);
    this.o.log.warn('Anthropic rate limit: pausing model calls on every worker', { ms: wanted });
  }

  /**
   * After a failed attempt: true when it failed on a 429 and the job should go back to the queue
   * without spending an attempt (the worker then throws `Worker.RateLimitError()`). Bounded, so a
   * 429 that never ends still reaches the last attempt and the user's apology.
   */
  async deferOnRateLimit(jobId: string, err: unknown): Promise<boolean> {
    if (!isRateLimited(err)) return false;
    await this.pauseAll(retryAfterOf(err) || DEFAULT_PAUSE_MS);
    return (await this.o.store.countDeferral(jobId)) <= this.o.maxRateLimitDeferrals;
  }

  async close(): Promise<void> {
    await this.slots?.close();
  }

  private async send(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const signal = init?.signal ?? undefined;
    const release = this.slots ? await this.slots.acquire(signal) : () => {};
    try {
      await this.waitOutPause(signal);
      const res = await fetch(input, init);
      if (res.status === 429) {
        await this.pauseAll(retryAfterMs(res.headers) ?? DEFAULT_PAUSE_MS).catch((err) => this.o.log.warn('could not pause the queue after a 429', { err }));
      }
      return this.slots ? releaseWhenRead(res, release) : res;
    } catch (err) {
      release();
      throw err;
    }
  }

  private async waitOutPause(signal: AbortSignal | undefined): Promise<void> {
    for (let ms = await this.pausedFor(); ms > 0; ms = await this.pausedFor()) {
      await sleep(ms, signal);
    }
  }

  /** Milliseconds left of a queue-wide pause; 0 when none (or when Redis cannot say: fail open). */
  private pausedFor(): Promise<number> {
    return this.o.queue.getRateLimitTtl(PAUSABLE_LIMITER.max).then(
      (ms) => Math.max(0, ms),
      () => 0,
    );
  }
}

/** A 429 anywhere in the error's cause chain (the SDK's error, wrapped by `classifyModelError` or not). */
export function isRateLimited(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Anthropic.APIError && e.status === 429) return true;
  }
  return false;
}

function retryAfterMs(headers: Headers): number | undefined {
  const s = Number(headers.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? s * 1000 : undefined;
}

/** The slot is held until the body has been read to the end, errored or been cancelled (streams included). */
function releaseWhenRead(res: Response, release: () => void): Response {
  if (!res.body) {
    release();
    return res;
  }
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        release();
        controller.error(err);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  const wrapped = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(wrapped, 'url', { value: res.url });
  return wrapped;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(toError(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(toError(signal!.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
