import { createHash } from 'node:crypto';
import type { RedisClient } from '../infra/redis.js';
import { DigestRecord, DigestSchema, type Digest, type DoneMark } from '../domain/digest.js';
import { stateKey } from './keys.js';
import { RETENTION_WEEKS } from '../domain/dashboard.js';

/**
 * Digest state in Redis: the stored record (so a retry or a Done click re-renders the same words), who
 * marked which action done, memoised model calls, and for scheduled digests the watermark and a run lock.
 * Records live as long as the weekly stats they feed (the feedback integration rate).
 */
const RECORD_TTL_SECONDS = RETENTION_WEEKS * 7 * 86_400;
const CALL_TTL_SECONDS = 24 * 3600;

/** One posted message of a digest. */
export interface PostedPart {
  channel: string;
  ts: string;
}

export class DigestState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async record(id: string): Promise<DigestRecord | undefined> {
    const raw = await this.redis.get(this.key('record', id));
    return raw ? DigestRecord.parse(JSON.parse(raw)) : undefined;
  }

  /** First writer wins, so two racing attempts post the same digest. */
  async storeRecord(record: DigestRecord): Promise<DigestRecord> {
    const set = await this.redis.set(
      this.key('record', record.id),
      JSON.stringify(record),
      'EX',
      RECORD_TTL_SECONDS,
      'NX',
    );
    return set ? record : ((await this.record(record.id)) ?? record);
  }

  async done(id: string): Promise<Map<number, DoneMark>> {
    const all = await this.redis.hgetall(this.key('done', id));
    return new Map(Object.entries(all).map(([i, v]) => [Number(i), JSON.parse(v) as DoneMark]));
  }

  /** True only for the first click on that action. */
  async markDone(id: string, action: number, mark: DoneMark): Promise<boolean> {
    const key = this.key('done', id);
    const [[, set] = []] =
      (await this.redis
        .multi()
        .hsetnx(key, String(action), JSON.stringify(mark))
        .expire(key, RECORD_TTL_SECONDS)
        .exec()) ?? [];
    return set === 1;
  }

  /**
   * Where a part of this digest was posted. A Done click is honoured only on one of these messages, so a
   * click carrying this digest's id from anywhere else (another channel, an unrelated message) changes nothing.
   */
  async recordPosted(id: string, part: number, channel: string, ts: string): Promise<void> {
    const key = this.key('posted', id);
    await this.redis
      .multi()
      .hset(key, String(part), JSON.stringify({ channel, ts }))
      .expire(key, RECORD_TTL_SECONDS)
      .exec();
  }

  /** The parts of this digest LUNA posted, by part number, each with its channel and ts. */
  async posted(id: string): Promise<Map<number, PostedPart>> {
    const all = await this.redis.hgetall(this.key('posted', id));
    return new Map(Object.entries(all).map(([part, v]) => [Number(part), JSON.parse(v) as PostedPart]));
  }

  /** True the first time it is called for `what` of this digest (stats, escalations: once per digest). */
  async once(id: string, what: string): Promise<boolean> {
    return (await this.redis.set(this.key('once', id, what), '1', 'EX', RECORD_TTL_SECONDS, 'NX')) === 'OK';
  }

  /** A model call's answer, kept for a day per digest and prompt, so a retried job does not pay for it twice. */
  memo(id: string): (prompt: string, compute: () => Promise<Digest>) => Promise<Digest> {
    return async (prompt, compute) => {
      const key = this.key('call', id, createHash('sha256').update(prompt).digest('hex').slice(0, 32));
      const hit = await this.redis.get(key);
      if (hit) return DigestSchema.parse(JSON.parse(hit));
      const out = await compute();
      await this.redis.set(key, JSON.stringify(out), 'EX', CALL_TTL_SECONDS);
      return out;
    };
  }

  // ── scheduled digests ────────────────────────────────────────────────────────────────────────────

  async watermark(schedulerId: string): Promise<string | null> {
    return this.redis.get(this.key('watermark', schedulerId));
  }

  /** A new schedule starts reading from when it was first configured; an existing watermark is kept. */
  async initWatermark(schedulerId: string, ts: string): Promise<void> {
    await this.redis.set(this.key('watermark', schedulerId), ts, 'NX');
  }

  /** Compare-and-set: moves only from `from`, so a run that raced another can never move it twice. */
  async advanceWatermark(schedulerId: string, from: string, to: string): Promise<boolean> {
    const moved = await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0",
      1,
      this.key('watermark', schedulerId),
      from,
      to,
    );
    return moved === 1;
  }

  /**
   * One run per schedule at a time. Re-entrant for the same job (a retry, or a run resumed after a crash)
   * and refreshed on every call; it expires on its own if its holder vanished.
   */
  async lockRun(schedulerId: string, holder: string, ttlMs: number): Promise<boolean> {
    const got = await this.redis.eval(
      "local v = redis.call('GET', KEYS[1]) if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end return 0",
      1,
      this.key('lock', schedulerId),
      holder,
      String(ttlMs),
    );
    return got === 1;
  }

  async unlockRun(schedulerId: string, holder: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      this.key('lock', schedulerId),
      holder,
    );
  }

  private key(...parts: string[]): string {
    return stateKey(this.prefix, 'digest', ...parts);
  }
}
