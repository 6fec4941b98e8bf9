import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who waits on a model call: `answer`, a person watching for LUNA's reply (it goes first in the model gate);
 * `background`, work nobody watches arrive (escalation assessments, signals, digests, journey maps).
 */
export type CallClass = 'answer' | 'background';

/**
 * What a model call hears from the gate it passes (model-gate.ts): `queued` when it starts waiting there
 * (for a slot, the end of a pause, a probe's verdict), `sent` when the request goes out to the API.
 */
export interface CallWatch {
  readonly callClass: CallClass;
  queued(): void;
  sent(): void;
  /** The gate's slot for this call: released by the caller once it has read the response (or given up on it). */
  holdSlot(release: () => void): void;
}

const current = new AsyncLocalStorage<CallWatch>();

/** The watch of the model call being made here, if its caller set one. */
export function callWatch(): CallWatch | undefined {
  return current.getStore();
}

/**
 * Aborts a model call after `ms` without progress. Time the call spends queued in LUNA's own gate does
 * not count: the clock stops on `queued` and starts again on `sent`, so a full queue is never mistaken
 * for a stalled API. Without a gate it counts from `start`. `progress()` re-arms it (a stream's events).
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastProgress = 0;
  private fired = false;
  private readonly slots: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly ms: number,
    private readonly callClass: CallClass,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the call was aborted by this watchdog (rather than failing on its own). */
  get expired(): boolean {
    return this.fired;
  }

  /** Runs `call` (which makes the SDK request) with the clock running and the gate reporting to it. */
  start<T>(call: () => T): T {
    this.progress();
    const watch: CallWatch = {
      callClass: this.callClass,
      queued: () => this.pause(),
      sent: () => this.progress(),
      holdSlot: (release) => (this.stopped ? release() : this.slots.push(release)),
    };
    return current.run(watch, call);
  }

  /**
   * Re-arms the clock. A stream calls this for every event, so it only notes the time: the one timer, when it
   * fires, checks how long it has really been quiet and waits out the rest (no timer churn per event).
   */
  progress(): void {
    this.lastProgress = performance.now();
    if (!this.timer && !this.stopped) this.arm(this.ms);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const quiet = performance.now() - this.lastProgress;
      if (quiet < this.ms) return this.arm(this.ms - quiet);
      this.fired = true;
      this.controller.abort();
    }, ms);
  }

  /** The clock stops while the call waits in the gate. */
  private pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The call is over (answered, failed or aborted): no more clock, and its slot in the gate is free. */
  stop(): void {
    this.stopped = true;
    this.pause();
    for (const release of this.slots.splice(0)) release();
  }
}
