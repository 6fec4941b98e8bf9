import type { RedisClient } from '../infra/redis.js';
import { z } from 'zod';
import { stateKey } from './keys.js';

/**
 * Signal batching and the daily token budget. Customers' messages wait per account in a *window* (a Redis
 * hash of message ids — channel, ts, thread, author — never their text; the classifier reads the text from
 * Slack). The first message of a window opens it and its id; a batch job takes the whole window at once
 * (renamed to a batch key, so a crash mid-classification loses nothing and a retry sees the same batch),
 * and the next message opens a new window.
 */
export const MessageRef = z.object({
  channel: z.string(),
  ts: z.string(),
  threadTs: z.string(),
  user: z.string(),
  /**
   * Request detection's windows (jobs/requests/) carry the text: they are read within seconds and then deleted, and
   * reading each message back from Slack would cost a history call per channel. Signals never set it.
   */
  text: z.string().optional(),
});
export type MessageRef = z.infer<typeof MessageRef>;

/** A window outlives its timer by far; a batch outlives every retry of its job. */
const WINDOW_TTL_SECONDS = 2 * 86_400;
const BUDGET_TTL_SECONDS = 3 * 86_400;

const ADD = `
local w = redis.call('GET', KEYS[2])
local opened = 0
if not w then
  w = ARGV[3]
  redis.call('SET', KEYS[2], w, 'EX', ARGV[4])
  opened = 1
end
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {w, redis.call('HLEN', KEYS[1]), opened}`;

// Takes the window into the batch key when it is still the open one; claims the batch for one job.
const TAKE = `
local claim = redis.call('GET', KEYS[4])
if claim and claim ~= ARGV[2] then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[3]) end
  redis.call('DEL', KEYS[2])
end
redis.call('SET', KEYS[4], ARGV[2], 'EX', ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1`;

export class SignalStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Adds a message to the account's open window (opening one at `now` if none is); the same message twice is one. */
  async add(
    accountId: string,
    ref: MessageRef,
    now: number,
  ): Promise<{ windowId: string; size: number; opened: boolean }> {
    const [windowId, size, opened] = (await this.redis.eval(
      ADD,
      2,
      this.key('pending', accountId),
      this.key('window', accountId),
      `${ref.channel}/${ref.ts}`,
      JSON.stringify(ref),
      String(now),
      String(WINDOW_TTL_SECONDS),
    )) as [string, number, number];
    return { windowId, size, opened: opened === 1 };
  }

  /**
   * The batch of window `windowId`, for job `jobId`: undefined when another job (the window's timer, or its
   * "full" trigger) has claimed it. Retries of the claiming job get the same batch back.
   */
  async take(accountId: string, windowId: string, jobId: string): Promise<MessageRef[] | undefined> {
    const batch = this.batchKey(accountId, windowId);
    const got = await this.redis.eval(
      TAKE,
      4,
      this.key('pending', accountId),
      this.key('window', accountId),
      batch,
      `${batch}:claim`,
      windowId,
      jobId,
      String(WINDOW_TTL_SECONDS),
    );
    if (got !== 1) return undefined;
    const refs = Object.values(await this.redis.hgetall(batch)).map((v) => MessageRef.parse(JSON.parse(v)));
    return refs.sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  /** The batch is done: its message ids go (the claim stays until it expires, so a late trigger is a no-op). */
  async finish(accountId: string, windowId: string): Promise<void> {
    await this.redis.del(this.batchKey(accountId, windowId), `${this.batchKey(accountId, windowId)}:result`);
  }

  /** A classification result kept for the batch's retries (model-written summaries and message labels). */
  async result<T>(accountId: string, windowId: string, parse: (v: unknown) => T): Promise<T | undefined> {
    const raw = await this.redis.get(`${this.batchKey(accountId, windowId)}:result`);
    return raw ? parse(JSON.parse(raw)) : undefined;
  }
  async storeResult(accountId: string, windowId: string, value: unknown): Promise<void> {
    await this.redis.set(
      `${this.batchKey(accountId, windowId)}:result`,
      JSON.stringify(value),
      'EX',
      WINDOW_TTL_SECONDS,
    );
  }

  /** True the first time it is called for `what` of this batch (each alert goes once). */
  async once(accountId: string, windowId: string, what: string): Promise<boolean> {
    return (
      (await this.redis.set(
        `${this.batchKey(accountId, windowId)}:once:${what}`,
        '1',
        'EX',
        WINDOW_TTL_SECONDS,
        'NX',
      )) === 'OK'
    );
  }

  // ── the daily token budget (UTC days) ──────────────────────────────────────────────────────────

  async spent(day: string): Promise<number> {
    return Number((await this.redis.get(this.key('budget', day))) ?? 0);
  }

  async spend(day: string, tokens: number): Promise<number> {
    const key = this.key('budget', day);
    const [[, total] = []] =
      (await this.redis.multi().incrby(key, tokens).expire(key, BUDGET_TTL_SECONDS).exec()) ?? [];
    return Number(total);
  }

  private batchKey(accountId: string, windowId: string): string {
    return this.key('batch', accountId, windowId);
  }

  private key(...parts: string[]): string {
    return stateKey(this.prefix, 'signals', ...parts);
  }
}

/** `2026-03-31`: the UTC day a budget counts against. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
