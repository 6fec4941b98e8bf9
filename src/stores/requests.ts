import type { RedisClient } from '../infra/redis.js';
import {
  RequestRecord,
  TARGETS,
  groupFollowUp,
  isActive,
  markFired,
  nextDue,
  timerVerdict,
  timersOf,
  type RequestTimer,
  type SlaPolicy,
} from '../domain/requests.js';
import { requestKeys, type RequestKeys } from './keys.js';

/**
 * Customer requests in Redis. A record is one JSON string; every save runs one script that checks the record is
 * still the one it was read as (compare-and-set), writes it, and moves it in and out of the indexes — the open
 * sets, the period index and the timer set — so a reader never sees an index that disagrees with its record.
 *
 * Opening is idempotent: a Slack retry, or two workers with the same message, get the same request ("exists"),
 * and a customer's top-level message within groupMinutes of their last joins their open request instead of
 * opening another — decided inside the same script, so two of their messages at once cannot both open one.
 *
 * Timers are members of one sorted set (`id|target|kind` by due time), so a due warning or breach is found in
 * O(log n) however many requests are open, and a new priority simply moves its members. `dispatchDue` hands due
 * ones to a callback (which queues a job) and removes each only if its time did not move meanwhile; `fireOnce`
 * lets exactly one job fire each warning and breach: it checks the record still wants it (domain's
 * `timerVerdict`) and plants a marker with SET NX. The job that planted it may fire again on its own retry
 * (a failed post), nobody else ever does.
 *
 * Retention: an open request's record lives up to OPEN_RETENTION_DAYS after it opened; a resolved or withdrawn
 * one CLOSED_RETENTION_DAYS after it closed (docs/requests.md gives the memory figures behind it).
 */

const DAY = 86_400_000;
export const OPEN_RETENTION_DAYS = 365;
export const CLOSED_RETENTION_DAYS = 120;
const BATCH = 500;
const CAS_ATTEMPTS = 16;

type Saved =
  { outcome: 'saved' } | { outcome: 'exists' | 'conflict'; current: string } | { outcome: 'group'; into: string };

export type OpenResult =
  | { outcome: 'opened'; record: RequestRecord }
  /** This message's request already exists (a retry): nothing to post. */
  | { outcome: 'exists'; record: RequestRecord }
  /** The message joined the customer's open request (or was already part of it). */
  | { outcome: 'joined'; record: RequestRecord; changed: boolean };

/** How long a record is kept from now. */
export function retentionMs(r: RequestRecord, now: number): number {
  const end = isActive(r)
    ? r.openedAt + OPEN_RETENTION_DAYS * DAY
    : (r.resolvedAt ?? r.withdrawnAt ?? r.updatedAt) + CLOSED_RETENTION_DAYS * DAY;
  return Math.max(60_000, end - now);
}

const SAVE = `
local cur = redis.call('GET', KEYS[1])
local mode = ARGV[1]
if mode == 'cas' then
  if cur ~= ARGV[2] then return {'conflict', cur or ''} end
else
  if cur then return {'exists', cur} end
  if mode == 'open' then
    local last = redis.call('GET', KEYS[2])
    if last and last ~= ARGV[5] then return {'group', last} end
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
if tonumber(ARGV[6]) > 0 then redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6]) end
local i = 7
while i <= #ARGV do
  local op, k = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
  if op == 'zadd' then
    redis.call('ZADD', k, ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'zrem' then
    redis.call('ZREM', k, ARGV[i + 2])
    i = i + 3
  else
    redis.call('SET', k, ARGV[i + 2], 'PX', ARGV[i + 3])
    i = i + 4
  end
end
return {'saved', ''}`;

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

export class RequestStore {
  private readonly k: RequestKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.k = requestKeys(prefix);
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
      const saved = await this.save(grouping ? 'open' : 'open-nogroup', undefined, record, policy.groupMs);
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
      const saved = await this.save('cas', raw, next, policy.groupMs, into, [link]);
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
      const saved = await this.save('cas', raw, next, 0, current);
      if (saved.outcome === 'saved') return { record: next, changed: true };
    }
    throw new Error(`request ${id}: too many concurrent changes, gave up after ${CAS_ATTEMPTS} attempts`);
  }

  private async save(
    mode: 'open' | 'open-nogroup' | 'cas',
    expected: string | undefined,
    next: RequestRecord,
    groupMs: number,
    previous?: RequestRecord,
    links: Array<{ key: string; value: string }> = [],
  ): Promise<Saved> {
    const now = Date.now();
    const ttl = retentionMs(next, now);
    const keys = [this.k.record(next.id), this.k.lastOf(next.channel, next.askerId)];
    const at = (key: string) => {
      const i = keys.indexOf(key);
      // KEYS are 1-based in Lua; push returns the new length, the new key's position.
      return String(i < 0 ? keys.push(key) : i + 1);
    };
    const ops: string[] = [];
    if (previous) {
      for (const key of this.openKeys(previous)) ops.push('zrem', at(key), previous.id);
      for (const target of TARGETS)
        for (const kind of ['warn', 'breach'] as const)
          ops.push('zrem', at(this.k.timers), timerMember({ requestId: previous.id, target, kind }));
    }
    if (isActive(next)) {
      for (const key of this.openKeys(next))
        ops.push('zadd', at(key), String(key === this.assigneeKey(next) ? nextDue(next) : next.openedAt), next.id);
    }
    ops.push('zadd', at(this.k.opened), String(next.openedAt), next.id);
    for (const t of timersOf(next)) ops.push('zadd', at(this.k.timers), String(t.at), timerMember(t));
    for (const l of links) ops.push('set', at(l.key), l.value, String(ttl));
    // Only opening or joining moves the customer's grouping window.
    const window = mode === 'cas' && links.length === 0 ? 0 : groupMs;
    const reply = (await this.redis.eval(
      SAVE,
      keys.length,
      ...keys,
      mode,
      expected ?? '',
      JSON.stringify(next),
      String(ttl),
      next.id,
      String(window),
      ...ops,
    )) as [string, string];
    const [outcome, value] = reply;
    if (outcome === 'saved') return { outcome };
    if (outcome === 'group') return { outcome, into: value };
    return { outcome: outcome as 'exists' | 'conflict', current: value };
  }

  private assigneeKey(r: RequestRecord): string | undefined {
    return r.assigneeId ? this.k.openForAssignee(r.assigneeId) : undefined;
  }

  /** The open-request sets a record belongs to while it is open. */
  private openKeys(r: RequestRecord): string[] {
    return [
      this.k.open,
      this.k.openInChannel(r.channel),
      ...(r.accountId ? [this.k.openForAccount(r.accountId)] : []),
      ...(r.assigneeId ? [this.k.openForAssignee(r.assigneeId)] : []),
    ];
  }

  // ---- reading by index ----

  /** Requests open now. A record that expired leaves its index entries behind; they are dropped here. */
  async openCount(now = Date.now()): Promise<number> {
    await this.redis.zremrangebyscore(this.k.open, '-inf', `(${now - OPEN_RETENTION_DAYS * DAY}`);
    return this.redis.zcard(this.k.open);
  }

  /** Open requests of one account (for the account brief). */
  async openCountForAccount(accountId: string, now = Date.now()): Promise<number> {
    const key = this.k.openForAccount(accountId);
    await this.redis.zremrangebyscore(key, '-inf', `(${now - OPEN_RETENTION_DAYS * DAY}`);
    return this.redis.zcard(key);
  }

  /** A person's open requests, soonest due first. */
  async openForAssignee(userId: string, limit = 50): Promise<RequestRecord[]> {
    const key = this.k.openForAssignee(userId);
    return this.records(key, await this.redis.zrange(key, '0', String(limit - 1)));
  }

  /** Every open request, oldest first. */
  async openRequests(): Promise<RequestRecord[]> {
    return this.records(this.k.open, await this.redis.zrange(this.k.open, '0', '-1'));
  }

  /** Requests that opened in [from, to), oldest first: what an export of the period holds. */
  async openedBetween(from: number, to: number): Promise<RequestRecord[]> {
    await this.redis.zremrangebyscore(
      this.k.opened,
      '-inf',
      `(${Date.now() - (OPEN_RETENTION_DAYS + CLOSED_RETENTION_DAYS) * DAY}`,
    );
    return this.records(this.k.opened, await this.redis.zrangebyscore(this.k.opened, String(from), `(${to}`));
  }

  private async records(index: string, ids: string[]): Promise<RequestRecord[]> {
    const out: RequestRecord[] = [];
    const gone: string[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      const raws = await this.redis.mget(...chunk.map((id) => this.k.record(id)));
      raws.forEach((raw, j) => (raw ? out.push(parse(raw)) : gone.push(chunk[j]!)));
    }
    if (gone.length) await this.redis.zrem(index, ...gone);
    return out;
  }

  // ---- timers ----

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
   * Afterwards the record notes the warning or breach (`warned`, `breached`).
   */
  async fireOnce(
    t: RequestTimer,
    token: string,
    fire: (r: RequestRecord, o: { again: boolean }) => Promise<void>,
    now = Date.now(),
  ): Promise<'fired' | 'stale' | 'early' | 'taken'> {
    const record = await this.get(t.requestId);
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
    await this.update(t.requestId, (r) => markFired(r, t, now));
    return 'fired';
  }
}

function parse(raw: string): RequestRecord {
  return RequestRecord.parse(JSON.parse(raw));
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
