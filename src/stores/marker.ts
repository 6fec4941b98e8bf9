import type { RedisClient } from '../infra/redis.js';
import { stateKey } from './keys.js';

/**
 * One key that every LUNA process plants when it starts and never removes: if it is gone, Redis lost
 * LUNA's data (a restart without persistence, FLUSHALL, a failover to an empty replica). Its value is
 * one random id shared by all processes, so a process that missed the loss sees a different value.
 */
export class DataMarker {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private get key() {
    return stateKey(this.prefix, 'marker');
  }

  /** Plants `candidate` unless a marker is there; returns the marker now in Redis. */
  async plant(candidate: string): Promise<string> {
    const key = this.key;
    const [, [, current] = []] = (await this.redis.multi().set(key, candidate, 'NX').get(key).exec()) ?? [];
    return typeof current === 'string' ? current : candidate;
  }

  async read(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
