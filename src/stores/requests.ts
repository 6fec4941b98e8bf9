import type { RedisClient } from '../infra/redis.js';
import type { RequestRecord } from '../domain/requests.js';
import type { RequestTimer, SlaPolicy } from '../domain/request-sla.js';
import { groupFollowUp } from '../domain/request-lifecycle.js';
import { requestKeys, type RequestKeys } from './keys.js';
import { RequestQueries } from './request-queries.js';
import { parseRecord as parse, saveRecord } from './request-save.js';
import { RequestTimers } from './request-timers.js';

/**
 * Customer requests in Redis. A record is one JSON string; every save runs one script that checks the record is
 * still the one it was read as (compare-and-set), writes it, and moves it in and out of the indexes
 * (request-save.ts), so a reader never sees an index that disagrees with its record.
 *
 * Opening is idempotent: a Slack retry, or two workers with the same message, get the same request ("exists"),
 * and a customer's top-level message within groupMinutes of their last joins their open request instead of
 * opening another — decided inside the same script, so two of their messages at once cannot both open one.
 *
 * Reading by index is in request-queries.ts, the SLA timers in request-timers.ts, retention in
 * request-retention.ts; this class is their one entry point.
 */

const CAS_ATTEMPTS = 16;

export type OpenResult =
  | { outcome: 'opened'; record: RequestRecord }
  /** This message's request already exists (a retry): nothing to post. */
  | { outcome: 'exists'; record: RequestRecord }
  /** The message joined the customer's open request (or was already part of it). */
  | { outcome: 'joined'; record: RequestRecord; changed: boolean };

export class RequestStore {
  private readonly k: RequestKeys;
  private readonly queries: RequestQueries;
  private readonly timers: RequestTimers;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.k = requestKeys(prefix);
    this.queries = new RequestQueries(redis, this.k);
    this.timers = new RequestTimers(redis, this.k, this);
  }

  async get(id: string): Promise<RequestRecord | undefined> {
    const raw = await this.redis.get(this.k.record(id));
    return raw ? parse(raw) : undefined;
  }

  /** The request a message opened or was grouped into; also finds a request by its thread's ts. */
  async findByMessage(channel: string, ts: string): Promise<RequestRecord | undefined> {
    const own = await this.get(`${channel}-${ts}`);
    if (own) return own;
    const id = await this.redis.get(this.k.message(channel, ts));
    return id ? this.get(id) : undefined;
  }

  /**
   * Opens `record` (built by domain's `openRequest`), or joins the customer's request that is open in the channel
   * within groupMinutes (`group: false` never joins: a reaction opens a request of its own).
   */
  async open(
    record: RequestRecord,
    policy: Pick<SlaPolicy, 'groupMs'>,
    opts: { group?: boolean } = {},
  ): Promise<OpenResult> {
    const grouping = (opts.group ?? true) && policy.groupMs > 0;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const saved = await saveRecord(
        this.redis,
        this.k,
        grouping ? 'open' : 'open-nogroup',
        undefined,
        record,
        policy.groupMs,
      );
      if (saved.outcome === 'saved') return { outcome: 'opened', record };
      if (saved.outcome === 'exists') return { outcome: 'exists', record: parse(saved.current) };
      if (saved.outcome !== 'group') continue;
      const joined = await this.join(saved.into, record, policy);
      if (joined) return joined;
      // The customer's last request closed or is out of reach: this message opens one of its own.
      return this.open(record, policy, { group: false });
    }
    throw new Error(`request ${record.id}: could not open it after ${CAS_ATTEMPTS} attempts`);
  }

  private async join(
    intoId: string,
    message: RequestRecord,
    policy: Pick<SlaPolicy, 'groupMs'>,
  ): Promise<OpenResult | undefined> {
    const m = { ts: message.messageTs, at: message.openedAt };
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(this.k.record(intoId));
      if (!raw) return undefined;
      const into = parse(raw);
      const next = groupFollowUp(into, m, policy);
      if (!next) return undefined;
      if (next === into) return { outcome: 'joined', record: into, changed: false };
      const link = { key: this.k.message(message.channel, m.ts), value: into.id };
      const saved = await saveRecord(this.redis, this.k, 'cas', raw, next, policy.groupMs, into, [link]);
      if (saved.outcome === 'saved') return { outcome: 'joined', record: next, changed: true };
    }
    throw new Error(`request ${intoId}: could not group a message into it after ${CAS_ATTEMPTS} attempts`);
  }

  /**
   * Applies a pure transition to the stored record. `change` returns the record itself when nothing changes;
   * undefined when the request is unknown (expired, never opened).
   */
  async update(
    id: string,
    change: (r: RequestRecord) => RequestRecord,
  ): Promise<{ record: RequestRecord; changed: boolean } | undefined> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(this.k.record(id));
      if (!raw) return undefined;
      const current = parse(raw);
      const next = change(current);
      if (next === current) return { record: current, changed: false };
      const saved = await saveRecord(this.redis, this.k, 'cas', raw, next, 0, current);
      if (saved.outcome === 'saved') return { record: next, changed: true };
    }
    throw new Error(`request ${id}: too many concurrent changes, gave up after ${CAS_ATTEMPTS} attempts`);
  }

  // ---- reading by index (request-queries.ts) ----

  openCount(now?: number): Promise<number> {
    return this.queries.openCount(now);
  }

  openCountForAccount(accountId: string, now?: number): Promise<number> {
    return this.queries.openCountForAccount(accountId, now);
  }

  openForAssignee(userId: string, limit?: number): Promise<RequestRecord[]> {
    return this.queries.openForAssignee(userId, limit);
  }

  openRequests(): Promise<RequestRecord[]> {
    return this.queries.openRequests();
  }

  openedBetween(from: number, to: number): Promise<RequestRecord[]> {
    return this.queries.openedBetween(from, to);
  }

  // ---- timers (request-timers.ts) ----

  dueTimers(now: number, limit?: number): Promise<RequestTimer[]> {
    return this.timers.dueTimers(now, limit);
  }

  pendingTimers(): Promise<number> {
    return this.timers.pendingTimers();
  }

  dispatchDue(
    now: number,
    dispatch: (t: RequestTimer) => Promise<void>,
    o?: { batch?: number; max?: number },
  ): Promise<number> {
    return this.timers.dispatchDue(now, dispatch, o);
  }

  fireOnce(
    t: RequestTimer,
    token: string,
    fire: (r: RequestRecord, o: { again: boolean }) => Promise<void>,
    now?: number,
  ): Promise<'fired' | 'stale' | 'early' | 'taken'> {
    return this.timers.fireOnce(t, token, fire, now);
  }
}
