import type { RedisClient } from '../infra/redis.js';
import { z } from 'zod';
import { SIGNAL_KINDS } from '../domain/accounts.js';
import { stateKey } from './keys.js';

/**
 * Account memory: per account, what LUNA learnt over time — the latest digests' themes, CSAT estimates and
 * risks, the escalations (area, opened, acknowledged, closed), the signals found in customers' messages.
 * Aggregates, model-written titles and Slack ids only: no customer message text is ever stored here. Every
 * key lives ACCOUNT_MEMORY_DAYS (renewed on each write), long enough to compare one renewal with the next.
 */
export const ACCOUNT_MEMORY_DAYS = 400;
const TTL = ACCOUNT_MEMORY_DAYS * 86_400;
const KEEP_DIGESTS = 20;
const KEEP_SIGNALS = 100;

export const DigestMemory = z.object({
  id: z.string(),
  at: z.number(),
  csat: z.number(),
  /** Theme titles (a few model-written words each). */
  themes: z.array(z.string()),
  risks: z.array(z.object({ title: z.string(), area: z.string().nullable(), confidence: z.number() })),
});
export type DigestMemory = z.infer<typeof DigestMemory>;

export const EscalationMemory = z.object({
  id: z.string(),
  area: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  openedAt: z.number(),
  acknowledgedAt: z.number().optional(),
  closedAt: z.number().optional(),
});
export type EscalationMemory = z.infer<typeof EscalationMemory>;

export const SignalMemory = z.object({
  at: z.number(),
  kind: z.enum(SIGNAL_KINDS),
  confidence: z.number(),
  channel: z.string(),
  /** The `ts` of the messages it rests on. */
  messages: z.array(z.string()),
  batch: z.string(),
});
export type SignalMemory = z.infer<typeof SignalMemory>;

/** Accounts LUNA has seen (Slack Connect organisations are not in any book): name, team, channels. */
export const KnownAccount = z.object({
  id: z.string(),
  name: z.string(),
  teamId: z.string().optional(),
  channels: z.array(z.string()),
});
export type KnownAccount = z.infer<typeof KnownAccount>;

export class AccountStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Records that the account was seen in this channel (for the Home tab's list and its links). */
  async register(a: { id: string; name: string; teamId?: string | undefined }, channel: string): Promise<void> {
    const prev = await this.known(a.id);
    const channels = [...new Set([...(prev?.channels ?? []), channel])].slice(-10);
    const entry: KnownAccount = { id: a.id, name: a.name, ...(a.teamId ? { teamId: a.teamId } : {}), channels };
    await this.redis.multi().hset(this.indexKey, a.id, JSON.stringify(entry)).expire(this.indexKey, TTL).exec();
  }

  async known(id: string): Promise<KnownAccount | undefined> {
    const raw = await this.redis.hget(this.indexKey, id);
    return raw ? KnownAccount.parse(JSON.parse(raw)) : undefined;
  }

  async allKnown(): Promise<KnownAccount[]> {
    return Object.values(await this.redis.hgetall(this.indexKey)).map((v) => KnownAccount.parse(JSON.parse(v)));
  }

  // ── digests ────────────────────────────────────────────────────────────────────────────────────

  /** Once per digest (a retried job does not add it twice); newest first, the last KEEP_DIGESTS kept. */
  async rememberDigest(accountId: string, d: DigestMemory): Promise<void> {
    await this.prependOnce(this.key(accountId, 'digest-ids'), d.id, this.key(accountId, 'digests'), [d], KEEP_DIGESTS);
  }

  async digests(accountId: string, n = KEEP_DIGESTS): Promise<DigestMemory[]> {
    return this.newest(this.key(accountId, 'digests'), n, DigestMemory);
  }

  // ── escalations ────────────────────────────────────────────────────────────────────────────────

  /** The first record of an escalation wins (retries and evidence appends do not reopen it). */
  async escalationOpened(accountId: string, e: EscalationMemory): Promise<void> {
    const hash = this.key(accountId, 'escalations');
    await this.redis
      .multi()
      .hsetnx(hash, e.id, JSON.stringify(e))
      .expire(hash, TTL)
      .set(this.escAccountKey(e.id), accountId, 'EX', TTL)
      .exec();
  }

  /** Marks an escalation acknowledged or closed, once (the first time is kept). */
  async escalationUpdate(escalationId: string, change: { acknowledgedAt?: number; closedAt?: number }): Promise<void> {
    const accountId = await this.redis.get(this.escAccountKey(escalationId));
    if (!accountId) return;
    const hash = this.key(accountId, 'escalations');
    const raw = await this.redis.hget(hash, escalationId);
    if (!raw) return;
    const e = EscalationMemory.parse(JSON.parse(raw));
    const next = {
      ...e,
      ...(e.acknowledgedAt === undefined && change.acknowledgedAt ? { acknowledgedAt: change.acknowledgedAt } : {}),
    };
    if (next.closedAt === undefined && change.closedAt) next.closedAt = change.closedAt;
    await this.redis.multi().hset(hash, escalationId, JSON.stringify(next)).expire(hash, TTL).exec();
  }

  async escalations(accountId: string): Promise<EscalationMemory[]> {
    return Object.values(await this.redis.hgetall(this.key(accountId, 'escalations')))
      .map((v) => EscalationMemory.parse(JSON.parse(v)))
      .sort((a, b) => b.openedAt - a.openedAt);
  }

  /** The thread was marked resolved: its escalations are closed. */
  async closeThread(accountId: string, channel: string, threadTs: string, at: number): Promise<number> {
    const open = (await this.escalations(accountId)).filter(
      (e) => e.channel === channel && e.threadTs === threadTs && e.closedAt === undefined,
    );
    for (const e of open) await this.escalationUpdate(e.id, { closedAt: at });
    return open.length;
  }

  // ── signals ────────────────────────────────────────────────────────────────────────────────────

  /** A batch's signals, once per batch; newest first. */
  async rememberSignals(accountId: string, batch: string, signals: SignalMemory[]): Promise<void> {
    await this.prependOnce(
      this.key(accountId, 'signal-batches'),
      batch,
      this.key(accountId, 'signals'),
      signals,
      KEEP_SIGNALS,
    );
  }

  async signals(accountId: string, n = KEEP_SIGNALS): Promise<SignalMemory[]> {
    return this.newest(this.key(accountId, 'signals'), n, SignalMemory);
  }

  /** Puts `items` at the head of `list` (newest first, the last `keep` kept) once per `id`, which `seen` remembers. */
  private async prependOnce(seen: string, id: string, list: string, items: unknown[], keep: number): Promise<void> {
    if ((await this.redis.sadd(seen, id)) === 0 || items.length === 0) {
      await this.redis.expire(seen, TTL);
      return;
    }
    await this.redis
      .multi()
      .lpush(list, ...items.map((x) => JSON.stringify(x)))
      .ltrim(list, 0, keep - 1)
      .expire(list, TTL)
      .expire(seen, TTL)
      .exec();
  }

  private async newest<T>(list: string, n: number, schema: z.ZodType<T>): Promise<T[]> {
    return (await this.redis.lrange(list, 0, n - 1)).map((v) => schema.parse(JSON.parse(v)));
  }

  private get indexKey(): string {
    return stateKey(this.prefix, 'acct-index');
  }

  private escAccountKey(escalationId: string): string {
    return stateKey(this.prefix, 'acct-esc', escalationId);
  }

  private key(accountId: string, what: string): string {
    return stateKey(this.prefix, 'acct', accountId, what);
  }
}
