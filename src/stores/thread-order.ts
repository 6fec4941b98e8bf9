import type { RedisClient } from '../infra/redis.js';
import { JOB_STATE_TTL_SECONDS, stateKey } from './keys.js';

/** Per thread, the jobs of its mentions scored by the mention's Slack `ts` (so a duplicate is the same member). */
export class ThreadOrderStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async add(thread: ThreadRef, jobId: string): Promise<void> {
    const key = this.key(thread);
    const replies = await this.redis
      .pipeline()
      .zadd(key, 'NX', thread.messageTs, jobId)
      .expire(key, JOB_STATE_TTL_SECONDS)
      .exec();
    const failed = replies?.find(([err]) => err)?.[0];
    if (failed) throw failed;
  }

  /** Jobs of mentions sent before this one in its thread. */
  async earlier(thread: ThreadRef): Promise<string[]> {
    return this.redis.zrangebyscore(this.key(thread), '-inf', `(${thread.messageTs}`);
  }

  async forget(thread: ThreadRef, jobIds: string[]): Promise<void> {
    if (jobIds.length) await this.redis.zrem(this.key(thread), ...jobIds);
  }

  private key(t: ThreadRef): string {
    return stateKey(this.prefix, 'thread', t.channel, t.threadTs);
  }
}

export interface ThreadRef {
  channel: string;
  threadTs: string;
  messageTs: string;
}
