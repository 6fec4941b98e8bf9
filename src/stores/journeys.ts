import type { RedisClient } from '../infra/redis.js';
import { JourneyMap } from '../domain/journey.js';
import { JOB_STATE_TTL_SECONDS, stateKey } from './keys.js';

/** A journey-map job's progress: the model's map, the posted message's ts, whether the picture is uploaded. */
export class JourneyStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async map(jobId: string): Promise<JourneyMap | undefined> {
    const raw = await this.redis.hget(this.key(jobId), 'map');
    return raw ? JourneyMap.parse(JSON.parse(raw)) : undefined;
  }

  /** First writer wins, so two racing attempts post the same map. */
  async storeMap(jobId: string, map: JourneyMap): Promise<JourneyMap> {
    const key = this.key(jobId);
    const [[, set] = []] =
      (await this.redis.multi().hsetnx(key, 'map', JSON.stringify(map)).expire(key, JOB_STATE_TTL_SECONDS).exec()) ??
      [];
    return set === 1 ? map : ((await this.map(jobId)) ?? map);
  }

  async postedTs(jobId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(jobId), 'ts')) ?? undefined;
  }

  async setPostedTs(jobId: string, ts: string): Promise<void> {
    await this.redis.multi().hset(this.key(jobId), 'ts', ts).expire(this.key(jobId), JOB_STATE_TTL_SECONDS).exec();
  }

  async uploaded(jobId: string): Promise<boolean> {
    return (await this.redis.hget(this.key(jobId), 'uploaded')) === '1';
  }

  async markUploaded(jobId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(jobId), 'uploaded', '1')
      .expire(this.key(jobId), JOB_STATE_TTL_SECONDS)
      .exec();
  }

  private key(jobId: string): string {
    return stateKey(this.prefix, 'journey-map', jobId);
  }
}
