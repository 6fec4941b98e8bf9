import type { RedisClient } from '../infra/redis.js';
import { stateKey } from './keys.js';
import { RedisSemaphore } from './semaphore.js';

/** The model gate's shared state: the cluster-wide cap on calls in flight, and 429 deferrals per job. */
export class ModelCallStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** A semaphore of `limit` slots shared by every process on this Redis. */
  slots(limit: number): RedisSemaphore {
    return new RedisSemaphore(this.redis, stateKey(this.prefix, 'model-slots'), { limit });
  }

  /** How many times this job has now been put back for a 429 (this one included). */
  async countDeferral(jobId: string): Promise<number> {
    const key = stateKey(this.prefix, 'rate-deferrals', jobId);
    const [[, n] = []] =
      (await this.redis
        .multi()
        .incr(key)
        .expire(key, 24 * 3600)
        .exec()) ?? [];
    return Number(n);
  }
}
