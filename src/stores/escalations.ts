import type { RedisClient } from '../infra/redis.js';
import { z } from 'zod';
import { slug } from '../domain/text.js';
import { stateKey } from './keys.js';

/** One escalation per customer thread and area; its state lives in Redis and its post in Slack. */
export const EscalationRecord = z.object({
  id: z.string(),
  area: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  escalationChannel: z.string(),
  messageTs: z.string().optional(),
  status: z.enum(['open', 'acknowledged', 'taken', 'not_strategic']),
  createdAt: z.coerce.number(),
  owners: z.string().transform((s) => JSON.parse(s) as string[]),
  /** Fields of the first request, kept to re-render the post when evidence is appended. */
  request: z.string().transform((s) => JSON.parse(s) as Record<string, unknown>),
  handledBy: z.string().optional(),
  handledAt: z.coerce.number().optional(),
  remindedAt: z.coerce.number().optional(),
  fallbackAt: z.coerce.number().optional(),
});
export type EscalationRecord = z.infer<typeof EscalationRecord>;

/** Escalation state is kept for 90 days, then expires with everything else LUNA stores. */
const TTL_SECONDS = 90 * 86_400;

export function escalationId(channel: string, threadTs: string, area: string): string {
  return `${channel}-${threadTs}-${slug(area)}`;
}

export class EscalationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(id: string, ...more: string[]) {
    return stateKey(this.prefix, 'esc', id, ...more);
  }
  private get openKey() {
    return stateKey(this.prefix, 'esc-open');
  }

  async get(id: string): Promise<EscalationRecord | undefined> {
    const h = await this.redis.hgetall(this.key(id));
    return Object.keys(h).length ? EscalationRecord.parse(h) : undefined;
  }

  async create(
    r: Omit<EscalationRecord, 'owners' | 'request'> & { owners: string[]; request: object },
    deadline: number,
  ): Promise<void> {
    const fields = Object.fromEntries(
      Object.entries({ ...r, owners: JSON.stringify(r.owners), request: JSON.stringify(r.request) }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    await this.redis
      .multi()
      .hset(this.key(r.id), fields)
      .expire(this.key(r.id), TTL_SECONDS)
      .zadd(this.openKey, deadline, r.id)
      .exec();
  }

  async set(id: string, fields: Partial<Record<keyof EscalationRecord, string | number>>): Promise<void> {
    await this.redis.hset(this.key(id), fields as Record<string, string | number>);
  }

  /** Moves an open escalation to a handled state exactly once; false if someone got there first. */
  async handle(
    id: string,
    status: 'acknowledged' | 'taken' | 'not_strategic',
    by: string,
    at: number,
  ): Promise<boolean> {
    // "I'll take it" may follow an acknowledgement; nothing else changes a handled escalation.
    const script = `
      local s = redis.call('HGET', KEYS[1], 'status')
      if not s then return 0 end
      if s == 'open' or (s == 'acknowledged' and ARGV[1] == 'taken') then
        redis.call('HSET', KEYS[1], 'status', ARGV[1], 'handledBy', ARGV[2], 'handledAt', ARGV[3])
        redis.call('ZREM', KEYS[2], ARGV[4])
        return 1
      end
      return 0`;
    return (await this.redis.eval(script, 2, this.key(id), this.openKey, status, by, String(at), id)) === 1;
  }

  async evidence(id: string): Promise<string[]> {
    return this.redis.lrange(this.key(id, 'evidence'), 0, -1);
  }
  /** Appends evidence once per request (a retried job does not append twice); false if already there. */
  async addEvidenceOnce(id: string, requestId: string, text: string): Promise<boolean> {
    const script = `
      if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
      redis.call('RPUSH', KEYS[1], ARGV[2])
      redis.call('EXPIRE', KEYS[1], ARGV[3]) redis.call('EXPIRE', KEYS[2], ARGV[3])
      return 1`;
    return (
      (await this.redis.eval(
        script,
        2,
        this.key(id, 'evidence'),
        this.key(id, 'applied'),
        requestId,
        text,
        TTL_SECONDS,
      )) === 1
    );
  }

  /** Per-thread+area lock so two messages escalating at once make one post, not two. */
  async lock(id: string, token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.key(id, 'lock'), token, 'PX', ms, 'NX')) === 'OK';
  }
  async unlock(id: string, token: string): Promise<void> {
    await this.redis.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
      1,
      this.key(id, 'lock'),
      token,
    );
  }

  /** Every open escalation's id and acknowledgement deadline (ms), oldest deadline first. */
  async open(): Promise<Array<{ id: string; deadline: number }>> {
    const flat = await this.redis.zrange(this.openKey, '0', '-1', 'WITHSCORES');
    const out: Array<{ id: string; deadline: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i]!, deadline: Number(flat[i + 1]) });
    return out;
  }

  /** Open escalations, and those of them past their acknowledgement deadline. */
  async counts(now: number): Promise<{ open: number; overdue: number }> {
    // An escalation nobody handled outlives its record (90 days): stop counting it then.
    await this.redis.zremrangebyscore(this.openKey, '-inf', String(now - TTL_SECONDS * 1000));
    const [open, overdue] = await Promise.all([
      this.redis.zcard(this.openKey),
      this.redis.zcount(this.openKey, '-inf', now),
    ]);
    return { open, overdue };
  }
}
