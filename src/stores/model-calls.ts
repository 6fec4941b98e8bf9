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

// Records a failed request: starts the outage (level 0), or — for a failed probe (ARGV[3] = 1) — raises its
// level. Requests that were already on their way when the outage began fail too, but say nothing new. A failure
// of a request sent before the last outage ended (ARGV[4], KEYS[2] holds when it ended) is old news: it starts
// nothing and returns -1.
const NOTE_FAILURE = `
local v = redis.call('GET', KEYS[1])
if not v then
  local ended = tonumber(redis.call('GET', KEYS[2]) or '0')
  if ended >= tonumber(ARGV[4]) then return -1 end
end
local failures = 0
local since = ARGV[1]
if v then
  local sep = string.find(v, ':')
  since = string.sub(v, 1, sep - 1)
  failures = tonumber(string.sub(v, sep + 1))
  if ARGV[3] == '1' then failures = failures + 1 end
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

  /** A semaphore of `limit` slots shared by every process on this Redis; `reserve` of them only for `first` calls. */
  slots(limit: number, reserve = 0): RedisSemaphore {
    return new RedisSemaphore(this.redis, stateKey(this.prefix, 'model-slots'), { limit, reserve });
  }

  async outage(): Promise<Outage | undefined> {
    const v = await this.redis.get(this.key('outage'));
    if (!v) return undefined;
    const [since, failures] = v.split(':');
    return { since: Number(since), failures: Number(failures) };
  }

  /**
   * A failed request: the outage starts (level 0); a failed probe (`probe`) raises its backoff level. Returns the
   * level, or -1 when the request was sent (`sentAt`) before the last outage ended: its failure is old news, and
   * starts no new outage (a job that reports its failure late must not pause every worker again).
   */
  async noteFailure(probe: boolean, sentAt = Date.now(), now = Date.now()): Promise<number> {
    const keys = [this.key('outage'), this.key('outage-ended')];
    return Number(
      await this.redis.eval(
        NOTE_FAILURE,
        2,
        ...keys,
        String(now),
        String(OUTAGE_TTL_MS),
        probe ? '1' : '0',
        String(sentAt),
      ),
    );
  }

  /** A request went through: the API is back. True for the caller that ended the outage (one line per outage). */
  async endOutage(now = Date.now()): Promise<boolean> {
    const [[, deleted]] = (await this.redis
      .multi()
      .del(this.key('outage'), this.key('probe'))
      .set(this.key('outage-ended'), String(now), 'PX', OUTAGE_TTL_MS)
      .exec()) as [[Error | null, number], unknown];
    return deleted > 0;
  }

  /** True for the one caller that may send the next request while the API is down. */
  async takeProbe(holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('probe'), holder, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async releaseProbe(holder: string): Promise<void> {
    await this.redis.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
      1,
      this.key('probe'),
      holder,
    );
  }

  private key(name: string): string {
    return stateKey(this.prefix, name);
  }
}
