import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../infra/redis.js';
import { toError } from '../infra/errors.js';

/**
 * A counting semaphore shared by every process on one Redis: at most `limit` leases at a time. A lease
 * is a member of a sorted set scored by its expiry (Redis server time, so host clocks never matter);
 * holders renew their leases, so a killed process frees its slots once `leaseMs` passes without renewal.
 */
export interface SemaphoreOptions {
  limit: number;
  /** A lease not renewed for this long is dropped. @defaultValue 15000 */
  leaseMs?: number;
  /** How often a waiting process asks again when no slot was released locally. @defaultValue 40 */
  pollMs?: number;
  /** A lease held longer than this is no longer renewed, so even a holder that never releases frees it. @defaultValue 15 minutes */
  maxHoldMs?: number;
}

// Drop expired leases, then take a slot if one is free. ARGV: limit, leaseMs, id.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0`;

// Push the expiry of the given leases (only those still held) forward. ARGV: leaseMs, ids…
const RENEW = `
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', until_, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 0`;

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
}

export class RedisSemaphore {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxHoldMs: number;
  /** Lease id → when it was acquired. */
  private readonly held = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private wake: (() => void) | undefined;
  private readonly renewer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly opts: SemaphoreOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.pollMs = opts.pollMs ?? 40;
    this.maxHoldMs = opts.maxHoldMs ?? 15 * 60_000;
    this.renewer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.renewer.unref();
  }

  /** Resolves with a release function once a slot is ours; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(toError(signal!.reason));
      };
      const waiter: Waiter = {
        resolve: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(toError(err));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  /** Leases held by this process right now. */
  get holding(): number {
    return this.held.size;
  }

  /** Stops renewing. Held leases are released; a process that dies without this simply lets them expire. */
  async close(): Promise<void> {
    clearInterval(this.renewer);
    const ids = [...this.held.keys()];
    this.held.clear();
    if (ids.length) await this.redis.zrem(this.key, ...ids).catch(() => {});
  }

  /** One loop per process serves local waiters in order, so N waiting calls cost one Redis poll, not N. */
  private async pump(): Promise<void> {
    if (this.pumping) return this.wake?.();
    this.pumping = true;
    try {
      while (this.waiters.length) {
        const head = this.waiters[0]!;
        const id = randomUUID();
        let got = false;
        try {
          got = (await this.redis.eval(ACQUIRE, 1, this.key, this.opts.limit, this.leaseMs, id)) === 1;
        } catch (err) {
          if (this.waiters[0] === head) this.waiters.shift();
          head.reject(err);
          continue;
        }
        if (got) {
          this.held.set(id, Date.now());
          // Aborted while Redis answered: the waiter is gone, hand the slot straight back.
          if (this.waiters[0] !== head) this.release(id);
          else {
            this.waiters.shift();
            head.resolve(once(() => this.release(id)));
          }
          continue;
        }
        // Full: wait for a local release, or poll for one elsewhere (with jitter, so processes interleave).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, this.pollMs * (0.75 + Math.random() / 2));
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.wake = done;
        });
        this.wake = undefined;
      }
    } finally {
      this.pumping = false;
    }
  }

  private release(id: string): void {
    if (!this.held.delete(id)) return;
    this.redis.zrem(this.key, id).then(
      () => this.wake?.(),
      () => {}, // the lease expires by itself
    );
  }

  private async renew(): Promise<void> {
    const now = Date.now();
    const ids = [...this.held].filter(([, since]) => now - since < this.maxHoldMs).map(([id]) => id);
    if (!ids.length) return;
    await this.redis.eval(RENEW, 1, this.key, this.leaseMs, ...ids).catch(() => {});
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
