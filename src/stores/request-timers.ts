// The SLA timers of requests in Redis: members `id|target|kind` of one sorted set by due time, so a due warning or
// breach is found in O(log n) however many requests are open. Hands due ones to the queue (`dispatchDue`) and lets
// exactly one job fire each (`fireOnce`).
import type { RedisClient } from '../infra/redis.js';
import type { RequestRecord } from '../domain/requests.js';
import { markFired, timerVerdict, type RequestTimer } from '../domain/request-sla.js';
import type { RequestKeys } from './keys.js';
import { retentionMs } from './request-retention.js';

/**
 * `dispatchDue` hands due timers to a callback (which queues a job) and removes each only if its time did not move
 * meanwhile; `fireOnce` lets exactly one job fire each warning and breach: it checks the record still wants it
 * (domain's `timerVerdict`) and plants a marker with SET NX. The job that planted it may fire again on its own
 * retry (a failed post), nobody else ever does.
 */

/** Timers read per round trip. */
const BATCH = 500;

const CLEAR_TIMER = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0`;

const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 2 end
return 0`;

/** What the timers need of the record store: reading a record, and noting on it that a timer fired. */
export interface TimerRecords {
  get(id: string): Promise<RequestRecord | undefined>;
  update(id: string, change: (r: RequestRecord) => RequestRecord): Promise<unknown>;
}

export class RequestTimers {
  constructor(
    private readonly redis: RedisClient,
    private readonly k: RequestKeys,
    private readonly records: TimerRecords,
  ) {}

  /** Warnings and breaches due at `now`, soonest first. */
  async dueTimers(now: number, limit = BATCH): Promise<RequestTimer[]> {
    const flat = await this.redis.zrangebyscore(this.k.timers, '-inf', String(now), 'WITHSCORES', 'LIMIT', 0, limit);
    const out: RequestTimer[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const t = parseTimerMember(flat[i]!, Number(flat[i + 1]));
      if (t) out.push(t);
    }
    return out;
  }

  /** Timers still to come, in total (for the benchmark and operators). */
  async pendingTimers(): Promise<number> {
    return this.redis.zcard(this.k.timers);
  }

  /**
   * Hands every due timer to `dispatch` (which queues the job that fires it) and then takes it off the set,
   * unless its time moved meanwhile (then the new time stays). Returns how many were handed over; stops after
   * `max` so one tick never runs away.
   */
  async dispatchDue(
    now: number,
    dispatch: (t: RequestTimer) => Promise<void>,
    o: { batch?: number; max?: number } = {},
  ): Promise<number> {
    const batch = o.batch ?? BATCH;
    const max = o.max ?? 20 * BATCH;
    let handed = 0;
    while (handed < max) {
      const due = await this.dueTimers(now, Math.min(batch, max - handed));
      if (due.length === 0) break;
      await Promise.all(
        due.map(async (t) => {
          await dispatch(t);
          await this.redis.eval(CLEAR_TIMER, 1, this.k.timers, timerMember(t), String(t.at));
        }),
      );
      handed += due.length;
      if (due.length < batch) break;
    }
    return handed;
  }

  /**
   * Fires one warning or breach once across every worker and restart. `token` is the firing job's id: only that
   * job fires, another job never does. `fire` gets the record as it is now, and `again: true` when this job had
   * claimed the timer before — its earlier attempt failed, or its worker died, possibly after the post went out —
   * so it looks for its own earlier post before posting (that is what makes a crash mid-post exactly-once too).
   * Afterwards the record notes the warning or breach (`warned`, `breached`). A warning whose worker died after
   * its post and before that note, and whose breach fired before the retry, stays un-noted: the retry finds it
   * superseded by the breach and posts nothing.
   */
  async fireOnce(
    t: RequestTimer,
    token: string,
    fire: (r: RequestRecord, o: { again: boolean }) => Promise<void>,
    now = Date.now(),
  ): Promise<'fired' | 'stale' | 'early' | 'taken'> {
    const record = await this.records.get(t.requestId);
    const verdict = timerVerdict(record, t, now);
    if (verdict === 'stale' || !record) return 'stale';
    if (verdict === 'early') {
      // Dispatched by a tick whose clock ran ahead: back in the set, for the tick at its time.
      await this.redis.zadd(this.k.timers, String(t.at), timerMember(t));
      return 'early';
    }
    const claimed = (await this.redis.eval(
      CLAIM,
      1,
      this.k.fired(t.requestId, t.target, t.kind),
      token,
      String(retentionMs(record, now)),
    )) as number;
    if (claimed === 0) return 'taken';
    await fire(record, { again: claimed === 2 });
    await this.records.update(t.requestId, (r) => markFired(r, t, now));
    return 'fired';
  }
}

export function timerMember(t: Pick<RequestTimer, 'requestId' | 'target' | 'kind'>): string {
  return `${t.requestId}|${t.target}|${t.kind}`;
}

function parseTimerMember(member: string, at: number): RequestTimer | undefined {
  const [requestId, target, kind] = member.split('|');
  if (!requestId || (target !== 'firstResponse' && target !== 'resolution') || (kind !== 'warn' && kind !== 'breach'))
    return undefined;
  return { requestId, target, kind, at };
}
