import type { RedisClient } from '../infra/redis.js';
import { z } from 'zod';
import { FactHit } from '../domain/customer-text.js';
import { stateKey } from './keys.js';

/** A draft waits a working week for its reviewer; after that, asking again is the way. */
const DRAFT_TTL_SECONDS = 7 * 86_400;

/** What a draft holds from the start: an answer for a customer channel, held back until approved. */
const DraftContent = z.object({
  id: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  askedTs: z.string(),
  askedBy: z.string(),
  /** The customer organisation(s) that will read it, for the reviewer's note. */
  readers: z.string(),
  /** Rendered parts, exactly as they will be posted. */
  parts: z.array(z.string()),
  /** Who may post or discard it (user ids; groups already expanded). */
  reviewers: z.array(z.string()),
  /**
   * Why it is a draft: an internal member asked, a customer asked, an answer for the customer was held back (it named
   * internal facts), or it cited no source of the team's knowledge (`customerAnswersNeedSources`).
   */
  reason: z.enum(['asked', 'customer_asked', 'withheld', 'unsourced']).default('asked'),
});

const Notice = z.object({ user: z.string(), channel: z.string(), ts: z.string() });

export const DraftRecord = DraftContent.extend({
  /** What the customer-text check found in it, as its reviewers were last shown: Post needs their confirmation. */
  flagged: z.array(FactHit),
  status: z.enum(['pending', 'posted', 'discarded']),
  decidedBy: z.string().optional(),
  decidedAt: z.coerce.number().optional(),
  /** The private messages that carry the draft's buttons: the only places a click may come from. */
  notices: z.array(Notice),
});
export type DraftRecord = z.infer<typeof DraftRecord>;
export type DraftContent = z.input<typeof DraftContent>;
export type DraftNotice = z.infer<typeof Notice>;

// Only a pending draft is decided; a retry of the job that decided it is told it decided (so it can finish).
const DECIDE = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return 0 end
if s == 'pending' then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decidedBy', ARGV[2], 'decidedAt', ARGV[3], 'decidedByJob', ARGV[4])
  return 1
end
if s == ARGV[1] and redis.call('HGET', KEYS[1], 'decidedByJob') == ARGV[4] then return 1 end
return 0`;

const REOPEN = `
if redis.call('HGET', KEYS[1], 'decidedByJob') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'status', 'pending')
  redis.call('HDEL', KEYS[1], 'decidedBy', 'decidedAt', 'decidedByJob')
end
return 0`;

export class DraftStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async get(id: string): Promise<DraftRecord | undefined> {
    const [h, notices] = await Promise.all([
      this.redis.hgetall(this.key(id)),
      this.redis.hvals(this.key(id, 'notices')),
    ]);
    if (!h.content) return undefined;
    return DraftRecord.parse({
      ...(JSON.parse(h.content) as object),
      status: h.status,
      ...(h.decidedBy ? { decidedBy: h.decidedBy, decidedAt: h.decidedAt } : {}),
      flagged: h.flagged ? (JSON.parse(h.flagged) as unknown) : [],
      notices: notices.map((n) => JSON.parse(n) as unknown),
    });
  }

  /** First writer wins: a retried answer job keeps the draft it made first. */
  async create(d: DraftContent & { flagged?: FactHit[] }): Promise<DraftRecord> {
    const key = this.key(d.id);
    const { flagged = [], ...content } = d;
    const [[, created] = []] =
      (await this.redis
        .multi()
        .hsetnx(key, 'content', JSON.stringify(content))
        .hsetnx(key, 'status', 'pending')
        .hsetnx(key, 'flagged', JSON.stringify(flagged))
        .expire(key, DRAFT_TTL_SECONDS)
        .exec()) ?? [];
    const stored = await this.get(d.id);
    if (!stored) throw new Error(`draft ${d.id} vanished right after it was stored (created: ${String(created)})`);
    return stored;
  }

  /** The check found more in a pending draft than its reviewers were shown (facts changed since): they are shown this now. */
  async setFlagged(id: string, flagged: FactHit[]): Promise<void> {
    await this.redis.hset(this.key(id), 'flagged', JSON.stringify(flagged));
  }

  /** Records a private message that carries this draft (one per reviewer). */
  async addNotice(id: string, n: DraftNotice): Promise<void> {
    const key = this.key(id, 'notices');
    await this.redis.multi().hset(key, n.user, JSON.stringify(n)).expire(key, DRAFT_TTL_SECONDS).exec();
  }

  /** True when this call (or an earlier try of the same job) decided the draft; false when someone else did first. */
  async decide(
    id: string,
    status: 'posted' | 'discarded',
    by: string,
    jobId: string,
    at = Date.now(),
  ): Promise<boolean> {
    return (await this.redis.eval(DECIDE, 1, this.key(id), status, by, String(at), jobId)) === 1;
  }

  /** The job that decided gave up before it finished: the draft is pending again, so nothing is lost. */
  async reopen(id: string, jobId: string): Promise<void> {
    await this.redis.eval(REOPEN, 1, this.key(id), jobId);
  }

  private key(id: string, ...more: string[]): string {
    return stateKey(this.prefix, 'draft', id, ...more);
  }
}
