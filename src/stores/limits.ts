import type { RedisClient } from '../infra/redis.js';
import { stateKey } from './keys.js';
import { utcDay } from './signals.js';

/**
 * What one person may make LUNA spend, and one organisation's people together (PRODUCT.md, Limits). In Redis, so
 * every web and worker process counts the same, across restarts:
 * - per person and minute a *sliding* window (a sorted set of the last minute's admitted mentions), so no 60 s
 *   ever holds more than the limit, however a burst falls on the clock;
 * - per person and UTC day a counter, and per organisation and UTC day the model tokens spent for its people.
 * Only admitted mentions count: one that was turned away costs nothing and does not lengthen the wait.
 */
export type LimitVerdict = 'ok' | 'person_minute' | 'person_day';

export interface Admission {
  verdict: LimitVerdict;
  /** The first mention turned away in its window: the person gets one short note about it. */
  note: boolean;
}

const DAY_MS = 86_400_000;
/** Day counters outlive their day a little, so a late reader (App Home at midnight) still finds them. */
const DAY_TTL_SECONDS = 2 * 86_400;

// One round trip. A job asked again (a retry) gets the verdict it got first, and counts once.
const ADMIT = `
local prior = redis.call('GET', KEYS[3])
if prior then return prior end
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
local verdict = 'ok'
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[3]) then verdict = 'person_day'
elseif redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then verdict = 'person_minute' end
local note = '0'
if verdict == 'ok' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], 60000)
  redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
elseif verdict == 'person_minute' then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = math.max(1, tonumber(oldest[2]) + 60000 - now)
  if redis.call('SET', KEYS[4], ARGV[4], 'PX', wait, 'NX') then note = '1' end
else
  if redis.call('SET', KEYS[5], ARGV[4], 'PX', ARGV[6], 'NX') then note = '1' end
end
local out = verdict .. ':' .. note
redis.call('SET', KEYS[3], out, 'EX', ARGV[5])
return out`;

export class LimitStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Counts `jobId` as a mention of `userId` if the limits allow it; the same job asked again gets the same answer. */
  async admit(
    jobId: string,
    userId: string,
    limits: { perMinute: number; perDay: number },
    now = Date.now(),
  ): Promise<Admission> {
    const day = utcDay(now);
    const untilTomorrow = DAY_MS - (now % DAY_MS);
    const raw = (await this.redis.eval(
      ADMIT,
      5,
      this.key('minute', userId),
      this.key('day', day, userId),
      this.key('job', jobId),
      this.key('note-minute', userId),
      this.key('note-day', day, userId),
      String(now),
      String(limits.perMinute),
      String(limits.perDay),
      jobId,
      String(DAY_TTL_SECONDS),
      String(untilTomorrow),
    )) as string;
    const [verdict, note] = raw.split(':') as [LimitVerdict, string];
    return { verdict, note: note === '1' };
  }

  /** Mentions of this person admitted today (UTC). */
  async mentionsToday(userId: string, now = Date.now()): Promise<number> {
    return Number((await this.redis.get(this.key('day', utcDay(now), userId))) ?? 0);
  }

  /** Model tokens spent today (UTC) for the people of this organisation. */
  async organisationSpent(orgId: string, now = Date.now()): Promise<number> {
    return Number((await this.redis.hget(this.key('org-tokens', utcDay(now)), orgId)) ?? 0);
  }

  /** Adds a model call's tokens to the organisation's day; returns the day's total. */
  async spend(org: { id: string; name: string }, tokens: number, now = Date.now()): Promise<number> {
    const key = this.key('org-tokens', utcDay(now));
    const names = this.key('org-names');
    const res = await this.redis
      .multi()
      .hincrby(key, org.id, Math.max(0, Math.round(tokens)))
      .expire(key, DAY_TTL_SECONDS)
      .hset(names, org.id, org.name)
      .expire(names, DAY_TTL_SECONDS)
      .exec();
    return Number(res?.[0]?.[1] ?? 0);
  }

  /** Every organisation that spent tokens today, most first, with the name it was last seen under. */
  async organisationsToday(now = Date.now()): Promise<Array<{ id: string; name: string; tokens: number }>> {
    const [spent, names] = await Promise.all([
      this.redis.hgetall(this.key('org-tokens', utcDay(now))),
      this.redis.hgetall(this.key('org-names')),
    ]);
    return Object.entries(spent)
      .map(([id, tokens]) => ({ id, name: names[id] ?? id, tokens: Number(tokens) }))
      .sort((a, b) => b.tokens - a.tokens || a.name.localeCompare(b.name));
  }

  private key(...parts: string[]): string {
    return stateKey(this.prefix, 'limit', ...parts);
  }
}
