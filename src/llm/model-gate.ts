import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { retryDelayMs } from '../domain/backoff.js';
import { LunaError, retryAfterOf } from '../infra/errors.js';
import type { Logger } from '../infra/log.js';
import { sleep } from '../infra/wait.js';
import type { ModelCallStore } from '../stores/model-calls.js';
import type { RedisSemaphore } from '../stores/semaphore.js';
import { callWatch, type CallClass } from './call-watch.js';
import { isRetriableStatus, isUnavailable, retryAfterMs } from './model-errors.js';
import { releaseWhenRead } from './release-when-read.js';

/**
 * Every model call of every worker process passes this gate (it is the Anthropic client's `fetch`):
 *
 * - at most `maxConcurrentCalls` requests are in flight across all workers (a Redis semaphore whose
 *   leases expire, so a killed worker never keeps a slot);
 * - answers go first (call-watch.ts: the class a call is made in): a background call (an escalation assessment,
 *   signals, a digest) takes a slot only while no answer waits for one, anywhere, and only while a tenth of the cap
 *   stays free for answers arriving, so an answer never queues behind a backlog of background calls;
 * - a failed request that means "not now" (a retriable status, see model-errors.ts; a dropped connection) pauses the whole queue
 *   through BullMQ's rate limiter — for Retry-After, or a backoff that doubles with jitter — and marks
 *   an outage in Redis. While it lasts, one request at a time (the probe) goes out; every other call
 *   waits for the probe's verdict instead of adding load. The first request that goes through ends it.
 * - jobs that hit the outage go back to the queue without spending an attempt, until their deadline
 *   (`model.giveUpAfterMinutes` after the request arrived); only then the apology.
 */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * BullMQ honours a queue-wide pause (`queue.rateLimit`) only in workers that have a limiter. This one
 * never limits on its own (a billion jobs a second); it exists so an outage can pause every worker.
 */
export const PAUSABLE_LIMITER = { max: 1_000_000_000, duration: 1_000 } as const;

const MAX_PAUSE_MS = 5 * 60_000;
/** A call waiting for the probe's verdict gives its job back to the queue after this, to be picked up again. */
const WAIT_FOR_PROBE_MS = 20_000;

export interface ModelGateOptions {
  store: ModelCallStore;
  queue: Queue;
  log: Logger;
  /** Unset: no cap. */
  maxConcurrentCalls?: number | undefined;
  /** First pause after a failure; it doubles (with jitter) per failed probe. */
  probeBaseMs: number;
  /** The longest pause between probes. */
  probeMaxMs: number;
  /** A probe that neither answers nor fails within this is presumed dead, and another may go. */
  probeTimeoutMs: number;
  /** Told how long each call waited for its slot (`luna_model_slot_wait_seconds`). */
  onSlotWait?: (callClass: CallClass, seconds: number) => void;
}

/** Slots kept free for answers: a tenth of the cap (none below 10), so answers arriving find room at once. */
export function answerReserve(maxConcurrentCalls: number): number {
  return Math.floor(maxConcurrentCalls / 10);
}

export type OutageVerdict = 'not_an_outage' | 'deferred' | 'expired';

export class ModelGate {
  readonly fetch: Fetch;
  private readonly slots: RedisSemaphore | undefined;
  /** This process has said the current outage paused model calls: one line per outage, not one per request or probe. */
  private outageLogged = false;

  constructor(private readonly o: ModelGateOptions) {
    this.slots = o.maxConcurrentCalls
      ? o.store.slots(o.maxConcurrentCalls, answerReserve(o.maxConcurrentCalls))
      : undefined;
    this.fetch = (input, init) => this.send(input, init);
  }

  /** Pauses every worker for `ms` (never shortens a longer pause already set by another worker). */
  async pauseAll(ms: number): Promise<void> {
    const wanted = Math.min(Math.max(ms, 1), MAX_PAUSE_MS);
    const current = await this.pausedFor();
    if (current >= wanted) return;
    await this.o.queue.rateLimit(wanted);
    if (!this.outageLogged) {
      this.outageLogged = true;
      this.o.log.warn('AI service unavailable or rate-limited: pausing model calls on every worker', {
        ms: Math.round(wanted),
      });
    }
  }

  /**
   * After a failed attempt: `deferred` when it failed because the API is unavailable and the job should
   * go back to the queue without spending an attempt (the worker then throws `Worker.RateLimitError()`);
   * `expired` when the job has waited past its deadline (give up now, with the apology).
   */
  async onFailure(err: unknown, deadline: number, attemptStartedAt: number): Promise<OutageVerdict> {
    if (!isUnavailable(err)) return 'not_an_outage';
    if (Date.now() >= deadline) return 'expired';
    // The request's own failure already paused the queue (send); a stall or a wait for the probe did not.
    // Not a probe: this starts the outage if none is recorded, and leaves a recorded one's level as it is —
    // unless the outage this attempt ran into has ended since: the job goes back and runs again at once.
    const level = await this.o.store.noteFailure(false, attemptStartedAt);
    if (level >= 0 && (await this.pausedFor()) === 0) await this.pauseAll(retryAfterOf(err) || this.o.probeBaseMs);
    return 'deferred';
  }

  async close(): Promise<void> {
    await this.slots?.close();
  }

  private async send(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const signal = init?.signal ?? undefined;
    const watch = callWatch();
    watch?.queued();
    const release = this.slots ? await this.slot(watch?.callClass ?? 'background', signal) : () => {};
    const holder = randomUUID();
    let probing = false;
    try {
      // The common case, no pause and no outage, costs one round trip; otherwise wait them out (or be the probe).
      if (!(await this.clear())) {
        await this.waitOutPause(signal);
        probing = await this.waitForVerdict(holder, signal);
      }
      let res: Response;
      const sentAt = Date.now();
      try {
        watch?.sent();
        res = await fetch(input, init);
      } catch (err) {
        if (!signal?.aborted) await this.failed(0, probing, sentAt);
        throw err;
      }
      if (isRetriableStatus(res.status)) await this.failed(retryAfterMs(res.headers), probing, sentAt);
      else if (probing && (await this.o.store.endOutage())) {
        this.o.log.info('the AI service answers again; model calls resume');
      }
      // The caller frees the slot once it has read the answer; without a watch, the end of the body does.
      if (!this.slots) return res;
      if (watch) {
        watch.holdSlot(release);
        return res;
      }
      return releaseWhenRead(res, release);
    } catch (err) {
      release();
      throw err;
    } finally {
      if (probing) await this.o.store.releaseProbe(holder).catch(() => {});
    }
  }

  /** A slot in the class of the call, and how long it took to get (the outage waits after it are not counted). */
  private async slot(callClass: CallClass, signal: AbortSignal | undefined): Promise<() => void> {
    const started = performance.now();
    const release = await this.slots!.acquire(signal, callClass === 'answer' ? 'first' : 'later');
    this.o.onSlotWait?.(callClass, (performance.now() - started) / 1000);
    return release;
  }

  /**
   * A request failed for want of the API: every worker pauses for the outage's backoff. Only a failed probe
   * doubles it; the burst of requests that were on their way when the outage began counts as one failure.
   */
  private async failed(retryAfter: number, probe: boolean, sentAt: number): Promise<void> {
    try {
      const failures = await this.o.store.noteFailure(probe, sentAt);
      if (failures < 0) return; // sent before the last outage ended: old news
      const backoff = Math.min(retryDelayMs(failures + 1, this.o.probeBaseMs * 2), this.o.probeMaxMs);
      await this.pauseAll(Math.max(retryAfter, backoff));
    } catch (err) {
      this.o.log.warn('could not record the AI service outage', { err });
    }
  }

  /**
   * While an outage lasts, one caller at a time probes (true: this call is the probe); the rest wait for
   * its verdict. A wait that lasts too long ends in a retriable error, so its job goes back to the queue.
   */
  private async waitForVerdict(holder: string, signal: AbortSignal | undefined): Promise<boolean> {
    const giveUpAt = Date.now() + WAIT_FOR_PROBE_MS;
    for (;;) {
      if (!(await this.o.store.outage().catch(() => undefined))) {
        this.outageLogged = false; // over (whichever process saw it end): the next one gets its line
        return false;
      }
      if (await this.o.store.takeProbe(holder, this.o.probeTimeoutMs)) return true;
      if (Date.now() > giveUpAt) {
        throw new LunaError(
          'luna_model_unavailable',
          'the AI service is still unavailable; waiting for it to come back',
          { retriable: true },
        );
      }
      await sleep(200 + Math.random() * 200, signal);
      await this.waitOutPause(signal);
    }
  }

  /** No pause and no outage: both asked in one round trip, the common case of every call. */
  private async clear(): Promise<boolean> {
    const [paused, outage] = await Promise.all([this.pausedFor(), this.o.store.outage().catch(() => undefined)]);
    if (paused > 0 || outage) return false;
    this.outageLogged = false;
    return true;
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
