import { createHash } from 'node:crypto';
import type { RedisClient } from '../infra/redis.js';
import { stateKey } from './keys.js';
import { counterKey, WEEKLY_TTL_SECONDS, type CounterName } from './stats.js';

// Feedback on answers: where each answer's buttons are (a click counts only there), and the votes. A vote is
// counted once per person per answer: the first click stands. Kept are aggregates — per answer, value and
// reason counts; per week, the Home tab's counters — and, to count each person once, a hash of who voted (never
// the user ID itself, never a word of the answer). Recording a vote and counting it is one Redis script, so a
// retried or duplicated click is never counted twice, nor lost between the two.

/** Buttons and votes stay valid this long after the answer; a click on an older answer is not counted. */
const FEEDBACK_TTL_SECONDS = 90 * 86_400;

export type Vote = 'positive' | 'negative';
export type Reason = 'wrong' | 'not_helpful' | 'unsafe' | 'other';

export interface FeedbackTarget {
  channel: string;
  /** The answer's last part, which carries the buttons. */
  ts: string;
  threadTs: string;
}

const VOTE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('INCRBY', KEYS[3], 1)
  redis.call('EXPIRE', KEYS[3], ARGV[3])
  return 1
end
return 0`;

const REASON = `
if redis.call('GET', KEYS[1]) ~= 'negative' then return -1 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[3], 'reason_' .. ARGV[1], 1)
  redis.call('INCRBY', KEYS[4], 1)
  redis.call('EXPIRE', KEYS[4], ARGV[3])
  return 1
end
return 0`;

export class FeedbackStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async setTarget(answerId: string, target: FeedbackTarget): Promise<void> {
    await this.redis.set(this.key('target', answerId), JSON.stringify(target), 'EX', FEEDBACK_TTL_SECONDS);
  }

  async target(answerId: string): Promise<FeedbackTarget | undefined> {
    const raw = await this.redis.get(this.key('target', answerId));
    return raw ? (JSON.parse(raw) as FeedbackTarget) : undefined;
  }

  /** Records this person's vote unless they already voted on this answer; true when it counted. */
  async vote(answerId: string, userId: string, vote: Vote): Promise<boolean> {
    const weekly = counterKey(this.prefix, `feedback_${vote}`, this.now());
    const keys = [this.voterKey('vote', answerId, userId), this.key('answer', answerId), weekly];
    return (await this.redis.eval(VOTE, keys.length, ...keys, vote, FEEDBACK_TTL_SECONDS, WEEKLY_TTL_SECONDS)) === 1;
  }

  async voteOf(answerId: string, userId: string): Promise<Vote | undefined> {
    return ((await this.redis.get(this.voterKey('vote', answerId, userId))) as Vote | null) ?? undefined;
  }

  /** Why a thumbs-down: counted once, and only for someone whose vote on this answer was a thumbs-down. */
  async reason(answerId: string, userId: string, reason: Reason): Promise<'counted' | 'already' | 'no_thumbs_down'> {
    const weekly = counterKey(this.prefix, `feedback_reason_${reason}` as CounterName, this.now());
    const keys = [
      this.voterKey('vote', answerId, userId),
      this.voterKey('reason', answerId, userId),
      this.key('answer', answerId),
      weekly,
    ];
    const r = await this.redis.eval(REASON, keys.length, ...keys, reason, FEEDBACK_TTL_SECONDS, WEEKLY_TTL_SECONDS);
    return r === 1 ? 'counted' : r === 0 ? 'already' : 'no_thumbs_down';
  }

  /** One answer's aggregate: how many thumbs up and down, and the reasons given. */
  async ofAnswer(answerId: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.key('answer', answerId));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  private key(kind: string, answerId: string): string {
    return stateKey(this.prefix, 'feedback', kind, answerId);
  }

  /** Who voted is kept only as a hash, enough to count each person once. */
  private voterKey(kind: string, answerId: string, userId: string): string {
    const who = createHash('sha256').update(`${answerId}\u0000${userId}`).digest('hex').slice(0, 24);
    return stateKey(this.prefix, 'feedback', kind, answerId, who);
  }
}
