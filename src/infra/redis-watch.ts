import type { EventEmitter } from 'node:events';
import type { Logger } from './log.js';
import { isConnectionError, type RedisClient } from './redis.js';

/** BullMQ's errors for a run whose job lock is gone or held by another run. */
const LOCK_LAPSE = /^(could not renew lock|Missing lock|Lock mismatch) for job /;

export interface RedisWatchOptions {
  /** Where Redis is, as logs and /readyz name it (host:port, never a password). */
  where: string;
  log: Logger;
  /** How often an outage is reported while it lasts. @defaultValue 10 s */
  intervalMs?: number;
}

/**
 * What this process knows about its Redis: reachable or not, since when, and the last error. Every Queue,
 * Worker, QueueEvents and ioredis connection gets its 'error' listener here, so an outage shows as one JSON
 * line when it starts, one about every 10 s while it lasts and one when it ends — never a stack per
 * reconnect attempt. Other Redis errors are logged too, each distinct one at most once per interval.
 */
export class RedisWatch {
  private up = false;
  private everUp = false;
  private closed = false;
  private downSince = Date.now();
  private lastError: string | undefined;
  private reported = false;
  private suppressed = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly others = new Map<string, { at: number; repeated: number }>();
  private readonly reachableListeners: Array<(again: boolean) => void> = [];

  constructor(private readonly o: RedisWatchOptions) {
    this.intervalMs = o.intervalMs ?? 10_000;
  }

  get where(): string {
    return this.o.where;
  }

  get reachable(): boolean {
    return this.up;
  }

  /** Called whenever the tracked connection is (again) ready; `again` is false the first time. */
  onReachable(listener: (again: boolean) => void): void {
    this.reachableListeners.push(listener);
  }

  /** The connection whose state is this process's view of Redis (the producer's). */
  track(client: RedisClient): void {
    this.listen(client, 'redis');
    client.on('ready', () => this.becameReachable());
    client.on('close', () => {
      if (client.status !== 'ready') this.becameUnreachable();
    });
    if (client.status === 'ready') this.becameReachable();
  }

  /** LUNA's 'error' listener for anything that talks to Redis. */
  listen(emitter: EventEmitter, source: string): void {
    emitter.on('error', (err: unknown) => this.error(err, source));
  }

  /** Why Redis is not ready, for /readyz: where, for how long, and the last error. */
  problem(): string {
    const seconds = Math.round((Date.now() - this.downSince) / 1000);
    return `unreachable at ${this.o.where} for ${seconds} s${this.lastError ? ` (${this.lastError})` : ''}`;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private error(raw: unknown, source: string): void {
    if (this.closed) return;
    const message = describe(raw);
    if (!this.up || isConnectionError(raw)) {
      this.lastError = message;
      this.suppressed++;
      if (!this.up) this.reportStart();
      return;
    }
    const key = `${source}:${message}`;
    const seen = this.others.get(key);
    const now = Date.now();
    if (seen && now - seen.at < this.intervalMs) {
      seen.repeated++;
      return;
    }
    this.others.set(key, { at: now, repeated: 0 });
    // BullMQ telling a run that lost its job's lock (a Redis restart, a blocked process) that it cannot renew or
    // finish it: expected after a blip, and the run that holds the job now finishes it (queue/worker.ts).
    if (LOCK_LAPSE.test(message)) {
      this.o.log.warn('a job lock lapsed; the run holding the job now finishes it', {
        source,
        where: this.o.where,
        error: message,
      });
      return;
    }
    this.o.log.error('Redis error', {
      source,
      where: this.o.where,
      error: message,
      ...(seen?.repeated ? { repeatedSinceLastLine: seen.repeated } : {}),
    });
  }

  private becameUnreachable(): void {
    if (this.closed || !this.up) return;
    this.up = false;
    this.downSince = Date.now();
    this.reported = false;
    this.reportStart();
  }

  /** The first line of an outage (or of waiting at start-up), then one line per interval while it lasts. */
  private reportStart(): void {
    if (this.reported || this.closed) return;
    this.reported = true;
    const fields = { where: this.o.where, ...(this.lastError ? { error: this.lastError } : {}) };
    if (this.everUp)
      this.o.log.warn(
        `lost the connection to Redis at ${this.o.where}; reconnecting (the ack path waits up to 2 s for it)`,
        fields,
      );
    else this.o.log.warn(`waiting for Redis at ${this.o.where}; LUNA serves as soon as it answers`, fields);
    this.timer ??= setInterval(() => {
      if (this.up || this.closed) return;
      this.o.log.warn(`Redis still unreachable at ${this.o.where}`, {
        where: this.o.where,
        downForSeconds: Math.round((Date.now() - this.downSince) / 1000),
        ...(this.lastError ? { error: this.lastError } : {}),
        failedAttempts: this.suppressed,
      });
      this.suppressed = 0;
    }, this.intervalMs);
    this.timer.unref();
  }

  private becameReachable(): void {
    if (this.closed || this.up) return;
    this.up = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const again = this.everUp;
    if (this.reported) {
      const downForSeconds = Math.round((Date.now() - this.downSince) / 100) / 10;
      this.o.log.info(again ? `Redis at ${this.o.where} is reachable again` : `Redis at ${this.o.where} answers`, {
        where: this.o.where,
        downForSeconds,
      });
    }
    this.everUp = true;
    this.reported = false;
    this.suppressed = 0;
    this.lastError = undefined;
    for (const l of this.reachableListeners) l(again);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
