import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../infra/redis.js';
import { toError } from '../infra/errors.js';

/**
 * A counting semaphore shared by every process on one Redis: at most `limit` leases at a time. A lease
 * is a member of a sorted set scored by its expiry (Redis server time, so host clocks never matter);
 * holders renew their leases, so a killed process frees its slots once `leaseMs` passes without renewal.
 *
 * Two classes of holder: `first` (a person is waiting on the call) and `later` (work nobody watches arrive).
 * A `later` lease is taken only while no `first` waiter anywhere is queued, and only while fewer than
 * `limit - reserve` leases of any class are held, so `reserve` slots stay free for `first` calls arriving.
 */
export type SlotClass = 'first' | 'later';

export interface SemaphoreOptions {
  limit: number;
  /** Slots a `later` holder never takes the last of. @defaultValue 0 */
  reserve?: number;
  /** A lease not renewed for this long is dropped. @defaultValue 15000 */
  leaseMs?: number;
  /** How often a waiting process asks again when no slot was released locally. @defaultValue 40 */
  pollMs?: number;
  /** A lease held longer than this is no longer renewed, so even a holder that never releases frees it. @defaultValue 15 minutes */
  maxHoldMs?: number;
}

// Drop expired leases and waiters, then hand out slots: to `first` ids while any is free, then to `later` ids
// while no process has a `first` call waiting and fewer leases than the `later` limit are held. KEYS: the leases,
// processes with a `first` call waiting. ARGV: limit, limit for `later`, leaseMs, this process,
// waiter ttl, how many `first` calls this process has waiting, n = how many `first` ids follow, the n ids, then
// the `later` ids. Returns how many of each got a slot (in the order given).
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, laterLimit, lease, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
local waiting, n = tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])
local first, later = 0, 0
while first < n and used < limit do
  first = first + 1
  used = used + 1
  redis.call('ZADD', KEYS[1], now + lease, ARGV[7 + first])
end
if first < waiting then
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('ZREM', KEYS[2], ARGV[4])
  if redis.call('ZCARD', KEYS[2]) == 0 then
    while 7 + n + later < #ARGV and used < laterLimit do
      later = later + 1
      used = used + 1
      redis.call('ZADD', KEYS[1], now + lease, ARGV[7 + n + later])
    end
  end
end
if first + later > 0 then redis.call('PEXPIRE', KEYS[1], lease) end
return {first, later}`;

// Push the expiry of the given leases (only those still held) forward. ARGV: leaseMs, ids…
const RENEW = `
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', until_, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 0`;

/** Slots asked for in one round trip, per class. */
const BATCH = 100;

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
}

export class RedisSemaphore {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxHoldMs: number;
  private readonly laterLimit: number;
  /** This process in the set of processes with a `first` call waiting. */
  private readonly processId = randomUUID();
  private readonly keys: [string, string];
  /** Lease id → when it was acquired. */
  private readonly held = new Map<string, number>();
  /** Leases released this tick, sent to Redis together. */
  private readonly releasing: string[] = [];
  private readonly waiters: Record<SlotClass, Waiter[]> = { first: [], later: [] };
  private pumping = false;
  private wake: (() => void) | undefined;
  private readonly renewer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient,
    key: string,
    private readonly opts: SemaphoreOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.pollMs = opts.pollMs ?? 40;
    this.maxHoldMs = opts.maxHoldMs ?? 15 * 60_000;
    this.laterLimit = Math.max(1, opts.limit - (opts.reserve ?? 0));
    this.keys = [key, `${key}:first-waiting`];
    this.renewer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.renewer.unref();
  }

  /**
   * Resolves with a release function once a slot is ours; rejects if `signal` aborts first. A `later` call waits
   * while any `first` call (of any process) waits.
   */
  acquire(signal?: AbortSignal, slotClass: SlotClass = 'first'): Promise<() => void> {
    signal?.throwIfAborted();
    const queue = this.waiters[slotClass];
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
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
      queue.push(waiter);
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
    if (ids.length) await this.redis.zrem(this.keys[0], ...ids).catch(() => {});
  }

  /**
   * One loop per process serves local waiters, `first` ones before `later` ones and each in order: one Redis
   * round trip hands out as many slots as may be had, so a burst of N calls costs one call to Redis, not N.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return this.wake?.();
    this.pumping = true;
    try {
      while (this.waiters.first.length || this.waiters.later.length) {
        const first = this.waiters.first.slice(0, BATCH);
        const later = this.waiters.later.slice(0, BATCH);
        const ids = [...first, ...later].map(() => randomUUID());
        let got: [number, number];
        try {
          const waiterTtl = Math.max(500, this.pollMs * 10);
          const args = [
            this.opts.limit,
            this.laterLimit,
            this.leaseMs,
            this.processId,
            waiterTtl,
            this.waiters.first.length,
            first.length,
            ...ids,
          ];
          got = (await this.redis.eval(ACQUIRE, 2, ...this.keys, ...args)) as [number, number];
        } catch (err) {
          // Redis failed: the calls this round was for fail with it (their jobs retry).
          for (const w of [...first, ...later]) this.drop(w).reject(err);
          continue;
        }
        const granted = [...first.slice(0, got[0]), ...later.slice(0, got[1])];
        const grantedIds = [...ids.slice(0, got[0]), ...ids.slice(first.length, first.length + got[1])];
        for (const [i, w] of granted.entries()) {
          const id = grantedIds[i]!;
          this.held.set(id, Date.now());
          // Aborted while Redis answered: the waiter is gone, hand the slot straight back.
          if (!this.waiters.first.includes(w) && !this.waiters.later.includes(w)) this.release(id);
          else this.drop(w).resolve(once(() => this.release(id)));
        }
        if (granted.length === first.length + later.length) continue;
        // Full: wait for a local release, a `first` call arriving, or poll for a release elsewhere (with jitter,
        // so processes interleave).
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

  /** Takes `w` out of its queue. */
  private drop(w: Waiter): Waiter {
    for (const queue of Object.values(this.waiters)) {
      const i = queue.indexOf(w);
      if (i >= 0) queue.splice(i, 1);
    }
    return w;
  }

  /** Releases are sent together at the end of the tick: N answers finishing at once cost one call to Redis. */
  private release(id: string): void {
    if (!this.held.delete(id)) return;
    this.releasing.push(id);
    if (this.releasing.length > 1) return;
    setImmediate(() => {
      const ids = this.releasing.splice(0);
      this.redis.zrem(this.keys[0], ...ids).then(
        () => this.wake?.(),
        () => {}, // the leases expire by themselves
      );
    });
  }

  private async renew(): Promise<void> {
    const now = Date.now();
    const ids = [...this.held].filter(([, since]) => now - since < this.maxHoldMs).map(([id]) => id);
    if (!ids.length) return;
    await this.redis.eval(RENEW, 1, this.keys[0], this.leaseMs, ...ids).catch(() => {});
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
