import type { RedisClient } from '../infra/redis.js';
import { RETENTION_WEEKS } from '../domain/dashboard.js';
import { stateKey } from './keys.js';

/**
 * What LUNA records as it works, for the App Home dashboard: counters, sums and samples bucketed by
 * UTC week, each bucket expiring after RETENTION_WEEKS, so memory stays bounded however long LUNA runs.
 * Aggregates only: nothing here holds message text.
 */
export { RETENTION_WEEKS };
const SAMPLE_CAP = 500;

export type CounterName =
  | 'answers'
  | 'digests'
  | 'escalations_opened'
  | 'escalations_acknowledged'
  | 'escalations_not_strategic'
  | 'escalations_reassigned'
  | 'action_items_created'
  | 'action_items_done'
  | 'conversations_handled'
  | 'feedback_positive'
  | 'feedback_negative'
  | 'feedback_reason_wrong'
  | 'feedback_reason_not_helpful'
  | 'feedback_reason_unsafe'
  | 'feedback_reason_other';
export type ValueName = 'csat' | 'minutes_to_acknowledge';

export class StatsRecorder {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async incr(name: CounterName, by = 1, at = this.now()): Promise<void> {
    const key = counterKey(this.prefix, name, at);
    await this.redis
      .multi()
      .incrby(key, by)
      .expire(key, RETENTION_WEEKS * 7 * 86_400)
      .exec();
  }

  /** A value whose weekly mean and median the dashboard shows (estimated CSAT, minutes to acknowledge). */
  async observe(name: ValueName, value: number, at = this.now()): Promise<void> {
    const week = weekOf(at);
    const ttl = RETENTION_WEEKS * 7 * 86_400;
    const sum = this.key('sum', name, week);
    const samples = this.key('v', name, week);
    await this.redis
      .multi()
      .hincrbyfloat(sum, 'sum', value)
      .hincrby(sum, 'count', 1)
      .expire(sum, ttl)
      .lpush(samples, String(value))
      .ltrim(samples, 0, SAMPLE_CAP - 1)
      .expire(samples, ttl)
      .exec();
  }

  /** Counts per week, oldest first, for the last `weeks` weeks including this one. */
  async weekly(name: CounterName, weeks = 8): Promise<Array<{ week: string; value: number }>> {
    const ws = lastWeeks(weeks, this.now());
    const values = await this.redis.mget(ws.map((w) => this.key('c', name, w)));
    return ws.map((week, i) => ({ week, value: Number(values[i] ?? 0) }));
  }

  /** Mean per week (null where nothing was observed), oldest first. */
  async weeklyMean(name: ValueName, weeks = 8): Promise<Array<{ week: string; value: number | null }>> {
    const ws = lastWeeks(weeks, this.now());
    const pipe = this.redis.pipeline();
    for (const w of ws) pipe.hmget(this.key('sum', name, w), 'sum', 'count');
    const rows = (await pipe.exec()) ?? [];
    return ws.map((week, i) => {
      const [sum, count] = (rows[i]?.[1] as [string | null, string | null] | undefined) ?? [null, null];
      return { week, value: count && Number(count) > 0 ? Number(sum) / Number(count) : null };
    });
  }

  /** Mean over every value observed in the last `weeks` weeks (null when there are none), and how many there were. */
  async mean(name: ValueName, weeks = 8): Promise<{ value: number | null; count: number }> {
    const pipe = this.redis.pipeline();
    for (const w of lastWeeks(weeks, this.now())) pipe.hmget(this.key('sum', name, w), 'sum', 'count');
    let sum = 0;
    let count = 0;
    for (const r of (await pipe.exec()) ?? []) {
      const [s, c] = (r[1] as [string | null, string | null] | undefined) ?? [null, null];
      sum += Number(s ?? 0);
      count += Number(c ?? 0);
    }
    return { value: count > 0 ? sum / count : null, count };
  }

  /** Median over the last `weeks` weeks' samples, or null when there are none. */
  async median(name: ValueName, weeks = 8): Promise<number | null> {
    const ws = lastWeeks(weeks, this.now());
    const pipe = this.redis.pipeline();
    for (const w of ws) pipe.lrange(this.key('v', name, w), 0, -1);
    const all = ((await pipe.exec()) ?? [])
      .flatMap((r) => (r[1] as string[]) ?? [])
      .map(Number)
      .sort((a, b) => a - b);
    if (all.length === 0) return null;
    const mid = Math.floor(all.length / 2);
    return all.length % 2 ? all[mid]! : (all[mid - 1]! + all[mid]!) / 2;
  }

  private key(kind: string, name: string, week: string): string {
    return stateKey(this.prefix, 'stats', kind, name, week);
  }
}

/** Seconds a weekly bucket lives. */
export const WEEKLY_TTL_SECONDS = RETENTION_WEEKS * 7 * 86_400;

/** The weekly counter `name` of the week holding `at`: for stores that count atomically with their own writes (feedback). */
export function counterKey(prefix: string, name: CounterName, at: number): string {
  return stateKey(prefix, 'stats', 'c', name, weekOf(at));
}

/** ISO-8601 week of a UTC instant, e.g. `2026-W47`. */
export function weekOf(epochMs: number): string {
  const d = new Date(epochMs);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - yearStart) / (7 * 86_400_000));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export function lastWeeks(n: number, now: number): string[] {
  return Array.from({ length: n }, (_, i) => weekOf(now - (n - 1 - i) * 7 * 86_400_000));
}
