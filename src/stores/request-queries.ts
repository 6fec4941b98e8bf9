// Reading requests by index: how many are open (all, or one account's), a person's open ones soonest due first,
// every open one, and those opened in a period. Index entries whose record expired are dropped as they are met.
import type { RedisClient } from '../infra/redis.js';
import type { RequestRecord } from '../domain/requests.js';
import type { RequestKeys } from './keys.js';
import { CLOSED_RETENTION_DAYS, DAY, OPEN_RETENTION_DAYS } from './request-retention.js';
import { parseRecord } from './request-save.js';

/** Records read per MGET. */
const BATCH = 500;

export class RequestQueries {
  constructor(
    private readonly redis: RedisClient,
    private readonly k: RequestKeys,
  ) {}

  /** Requests open now. A record that expired leaves its index entries behind; they are dropped here. */
  async openCount(now = Date.now()): Promise<number> {
    await this.redis.zremrangebyscore(this.k.open, '-inf', `(${now - OPEN_RETENTION_DAYS * DAY}`);
    return this.redis.zcard(this.k.open);
  }

  /** Open requests of one account (for the account brief). */
  async openCountForAccount(accountId: string, now = Date.now()): Promise<number> {
    const key = this.k.openForAccount(accountId);
    await this.redis.zremrangebyscore(key, '-inf', `(${now - OPEN_RETENTION_DAYS * DAY}`);
    return this.redis.zcard(key);
  }

  /** A person's open requests, soonest due first. */
  async openForAssignee(userId: string, limit = 50): Promise<RequestRecord[]> {
    const key = this.k.openForAssignee(userId);
    return this.records(key, await this.redis.zrange(key, '0', String(limit - 1)));
  }

  /** Every open request, oldest first. */
  async openRequests(): Promise<RequestRecord[]> {
    return this.records(this.k.open, await this.redis.zrange(this.k.open, '0', '-1'));
  }

  /** Requests that opened in [from, to), oldest first: what an export of the period holds. */
  async openedBetween(from: number, to: number): Promise<RequestRecord[]> {
    await this.redis.zremrangebyscore(
      this.k.opened,
      '-inf',
      `(${Date.now() - (OPEN_RETENTION_DAYS + CLOSED_RETENTION_DAYS) * DAY}`,
    );
    return this.records(this.k.opened, await this.redis.zrangebyscore(this.k.opened, String(from), `(${to}`));
  }

  private async records(index: string, ids: string[]): Promise<RequestRecord[]> {
    const out: RequestRecord[] = [];
    const gone: string[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      const raws = await this.redis.mget(...chunk.map((id) => this.k.record(id)));
      raws.forEach((raw, j) => (raw ? out.push(parseRecord(raw)) : gone.push(chunk[j]!)));
    }
    if (gone.length) await this.redis.zrem(index, ...gone);
    return out;
  }
}
