import type { RedisClient } from '../infra/redis.js';
import { z } from 'zod';
import type { MeasuredCsat } from '../domain/dashboard.js';
import { ACCOUNT_MEMORY_DAYS } from './accounts.js';
import { stateKey } from './keys.js';

/**
 * CSAT surveys: one per resolved customer thread, and its votes (one per person, the last click wins).
 * Kept as long as account memory, so an account's CSAT can be compared renewal to renewal. Votes hold a
 * user id and a score, nothing else.
 */
const TTL = ACCOUNT_MEMORY_DAYS * 86_400;

export const Survey = z.object({
  id: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  /** The survey message itself: the only place a vote may come from. */
  messageTs: z.string(),
  accountId: z.string().optional(),
  postedAt: z.coerce.number(),
  askedBy: z.string(),
});
export type Survey = z.infer<typeof Survey>;

/** Aggregates over surveys: `responses` votes from `responded` of `surveys` surveys, averaging `average`. */
export type CsatStats = MeasuredCsat;

// The newer click (by Slack's action_ts) wins; a redelivered or out-of-order older click changes nothing.
const VOTE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local sep = string.find(cur, '|', 1, true)
  if tonumber(string.sub(cur, sep + 1)) >= tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

export class CsatStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** First writer wins; indexes the survey by time, team-wide and for its account. */
  async create(s: Survey): Promise<Survey> {
    const key = this.key('survey', s.id);
    const fields = Object.fromEntries(
      Object.entries(s)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    const [[, created] = []] = (await this.redis.multi().hsetnx(key, 'id', s.id).exec()) ?? [];
    if (created === 1) {
      const m = this.redis
        .multi()
        .hset(key, fields)
        .expire(key, TTL)
        .zadd(this.allKey, 'NX', s.postedAt, s.id)
        .expire(this.allKey, TTL);
      if (s.accountId)
        m.zadd(this.accountKey(s.accountId), 'NX', s.postedAt, s.id).expire(this.accountKey(s.accountId), TTL);
      await m.exec();
    }
    return (await this.get(s.id)) ?? s;
  }

  /** One job posts a thread's survey: true for the first caller (and its retries), false for any other job. */
  async claim(id: string, jobId: string): Promise<boolean> {
    const key = this.key('claim', id);
    if ((await this.redis.set(key, jobId, 'EX', TTL, 'NX')) === 'OK') return true;
    return (await this.redis.get(key)) === jobId;
  }

  async get(id: string): Promise<Survey | undefined> {
    const h = await this.redis.hgetall(this.key('survey', id));
    return h.messageTs ? Survey.parse(h) : undefined;
  }

  /** True when this click is now the person's vote (false: a newer click of theirs is already recorded). */
  async vote(id: string, user: string, score: number, actionTs: string): Promise<boolean> {
    return (await this.redis.eval(VOTE, 1, this.key('votes', id), user, String(score), actionTs, String(TTL))) === 1;
  }

  /** user → score. */
  async votes(id: string): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.key('votes', id));
    return new Map(Object.entries(all).map(([u, v]) => [u, Number(v.split('|')[0])]));
  }

  /** Every survey posted since `since` (epoch ms), team-wide. */
  async teamStats(since: number): Promise<CsatStats> {
    return this.stats(await this.redis.zrangebyscore(this.allKey, since, '+inf', 'WITHSCORES'));
  }

  async accountStats(accountId: string, since: number): Promise<CsatStats> {
    return this.stats(await this.redis.zrangebyscore(this.accountKey(accountId), since, '+inf', 'WITHSCORES'));
  }

  private async stats(withScores: string[]): Promise<CsatStats> {
    const ids: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < withScores.length; i += 2) ids.push({ id: withScores[i]!, at: Number(withScores[i + 1]) });
    const pipe = this.redis.pipeline();
    for (const s of ids) pipe.hvals(this.key('votes', s.id));
    const rows = (await pipe.exec()) ?? [];
    let responses = 0;
    let responded = 0;
    let sum = 0;
    let lastAt: number | null = null;
    rows.forEach((r, i) => {
      const scores = ((r[1] as string[] | undefined) ?? []).map((v) => Number(v.split('|')[0]));
      if (scores.length === 0) return;
      responded++;
      responses += scores.length;
      sum += scores.reduce((a, b) => a + b, 0);
      lastAt = Math.max(lastAt ?? 0, ids[i]!.at);
    });
    return { surveys: ids.length, responded, responses, average: responses ? sum / responses : null, lastAt };
  }

  private get allKey(): string {
    return stateKey(this.prefix, 'csat', 'surveys');
  }
  private accountKey(accountId: string): string {
    return stateKey(this.prefix, 'acct', accountId, 'surveys');
  }
  private key(kind: string, id: string): string {
    return stateKey(this.prefix, 'csat', kind, id);
  }
}
