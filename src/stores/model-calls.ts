import type { RedisClient } from '../infra/redis.js';
import { stateKey } from './keys.js';
import { RedisSemaphore } from './semaphore.js';

/** An outage nobody probed or cleared for this long is forgotten (the next failure starts a new one). */
const OUTAGE_TTL_MS = 30 * 60_000;

/** The outage as every worker sees it: since when, and how many probes failed (the backoff level). */
export interface Outage {
  since: number;
  failures: number;
}

// Records one more failed request: starts the outage, or raises its level. Returns the new level.
const NOTE_FAILURE = `
local v = redis.call('GET', KEYS[1])
local failures = 0
local since = ARGV[1]
if v then
  local sep = string.find(v, ':')
  since = string.sub(v, 1, sep - 1)
  failures = tonumber(string.sub(v, sep + 1)) + 1
end
redis.call('SET', KEYS[1], since .. ':' .. failures, 'PX', ARGV[2])
return failures`;

/**
 * The model gate's shared state: the cluster-wide cap on calls in flight, whether the model API is down
 * (and who is probing it), and 429 deferrals per job. Shared by every process on this Redis.
 */
export class ModelCallStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** A semaphore of `limit` slots shared by every process on this Redis. */
  slots(limit: number): RedisSemaphore {
    return new RedisSemaphore(this.redis, stateKey(this.prefix, 'model-slots'), { limit });
  }

  async outage(): Promise<Outage | undefined> {
    const v = await this.redis.get(this.key('outage'));
    if (!v) return undefined;
    const [since, failures] = v.split(':');
    return { since: Number(since), failures: Number(failures) };
  }

  /** One more failed request: the outage starts (failures 0) or its backoff level rises. */
  async noteFailure(now = Date.now()): Promise<number> {
    return Number(await this.redis.eval(NOTE_FAILURE, 1, this.key('outage'), String(now), String(OUTAGE_TTL_MS)));
  }

  /** A request went through: the API is back. */
  async endOutage(): Promise<void> {
    await this.redis.del(this.key('outage'), this.key('probe'));
  }

  /** True for the one caller that may send the next request while the API is down. */
  async takeProbe(holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('probe'), holder, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async releaseProbe(holder: string): Promise<void> {
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, this.key('probe'), holder);
  }

  private key(name: string): string {
    return stateKey(this.prefix, name);
  }
}
